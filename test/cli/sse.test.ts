import { describe, expect, it } from 'vitest';
import { SseParser } from '../../cli/sse';

describe('SseParser', () => {
  it('hands back whole events from text cut anywhere, skipping keep-alive comments', () => {
    const text = 'event: hello\ndata: {"run":1}\n\n: keep-alive\n\nid: 5\ndata: {"seq":5}\n\nevent: end\ndata: {"run":1,"status":"COMPLETED"}\n\n';
    for (const step of [1, 3, 7, text.length]) {
      const p = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += step) events.push(...p.push(text.slice(i, i + step)));
      expect(events).toEqual([
        { event: 'hello', data: '{"run":1}', id: null },
        { event: 'message', data: '{"seq":5}', id: '5' },
        { event: 'end', data: '{"run":1,"status":"COMPLETED"}', id: null },
      ]);
    }
  });

  it('joins multi-line data and accepts CRLF', () => {
    expect(new SseParser().push('data: a\r\ndata: b\r\n\r\ndata:c\n')).toEqual([{ event: 'message', data: 'a\nb', id: null }]);
  });

  it('reads a CRLF split between two chunks as one line end', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\ndata: b\r\n\r\n')).toEqual([{ event: 'message', data: 'a\nb', id: null }]);
  });
});
