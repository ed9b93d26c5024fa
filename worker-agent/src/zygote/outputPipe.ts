import net from 'node:net';

/**
 * The read end of one output pipe of a warm child (its stdout or its stderr), read from the moment
 * the child is announced, so that starting a job on it costs nothing here. What arrives goes to the
 * sink of the job that runs on it; anything before that (a warm child failing) waits for one.
 */
export class OutputPipe {
  readonly closed: Promise<void>;
  private readonly sock: net.Socket;
  private sink: ((chunk: string) => void) | undefined;
  private early = '';

  /** `fd`: non-blocking, so the pipe is read through epoll. */
  constructor(fd: number) {
    this.sock = new net.Socket({ fd, readable: true, writable: false });
    this.sock.setEncoding('utf8').on('data', (c: string) => (this.sink ? this.sink(c) : (this.early += c)));
    this.sock.on('error', () => {}); // ends as 'close' either way
    this.closed = new Promise((resolve) => this.sock.once('close', () => resolve()));
  }

  attach(sink: (chunk: string) => void): void {
    this.sink = sink;
    if (this.early) sink(this.early);
    this.early = '';
  }

  destroy(): void {
    this.sock.destroy();
  }
}
