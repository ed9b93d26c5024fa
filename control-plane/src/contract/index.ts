export * from './common';
export * from './jobs';
export * from './agents';
export * from './store';
export * from './logs';
export * from './stats';
export * from './resources';
export * from './routes';
