/** Tools over TitanStore: strings and sets shared by jobs (the keys jobs write with the SDK). */
import { KvPutRequest, SAddRequest, StoreKey } from '../contract/store';
import { defineTool, reply } from './tool';

const KEY = { key: StoreKey.describe('The key.') };

const storeGet = defineTool({
  name: 'store_get',
  description: 'Read a string from TitanStore, the key-value store jobs share. Returns structuredContent.value, null when the key is absent.',
  input: KEY,
  async run({ key }, { port }) {
    const r = await port('kvGet', { query: { key } });
    return reply(r.value === null ? `${key} is not set` : r.value, { key, value: r.value });
  },
});

const storePut = defineTool({
  name: 'store_put',
  description: 'Set a string in TitanStore (replacing what was there). Jobs read it with the SDK.',
  input: { key: KvPutRequest.shape.key, value: KvPutRequest.shape.value.describe('The value (text).') },
  async run({ key, value }, { port }) {
    await port('kvPut', { body: { key, value } });
    return reply(`set ${key}`, { key, ok: true });
  },
});

const storeSadd = defineTool({
  name: 'store_sadd',
  description: 'Add a member to a set in TitanStore. Returns structuredContent.added: 1 if it was new, 0 if it was already there.',
  input: { key: SAddRequest.shape.key, member: SAddRequest.shape.member.describe('The member (text).') },
  async run({ key, member }, { port }) {
    const r = await port('sadd', { body: { key, member } });
    return reply(r.added ? `added to ${key}` : `already in ${key}`, { key, added: r.added });
  },
});

const storeSmembers = defineTool({
  name: 'store_smembers',
  description: 'The members of a set in TitanStore (empty when the key is absent).',
  input: KEY,
  async run({ key }, { port }) {
    const r = await port('smembers', { query: { key } });
    return reply(r.members.length ? r.members.join('\n') : `${key} is empty`, { key, members: r.members });
  },
});

export const STORE_TOOLS = [storeGet, storePut, storeSadd, storeSmembers];
