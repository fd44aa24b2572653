import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface FakeReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Status code for every following request (200 by default); a function body sees the request path. */
  respondWith(status: number, body?: string | ((path: string) => string)): void;
  /**
   * Following requests get no answer (`'reply'`), or headers and a first chunk of the body but
   * never its end (`'body'`), until `release()`; null answers at once again.
   */
  stall(mode: 'reply' | 'body' | null): void;
  /** Answers every request stalled in `'reply'` mode with the current status and body. */
  release(): void;
  /** Resolves once `count` stalled responses have had their connection closed by the client. */
  waitForClosed(count: number): Promise<void>;
  /** Resolves once `count` requests have arrived in total. */
  waitFor(count: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** A local HTTP receiver on 127.0.0.1 port 0 that records each JSON body it gets. */
export async function startFakeReceiver(): Promise<FakeReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<{ count: number; resolve: (r: ReceivedRequest[]) => void }> = [];
  let status = 200;
  let replyBody: string | ((path: string) => string) = '{"ok":true}';
  let stallMode: 'reply' | 'body' | null = null;
  const held: Array<{ res: ServerResponse; path: string }> = [];
  let closed = 0;
  const closeWaiters: Array<{ count: number; resolve: () => void }> = [];
  const reply = (res: ServerResponse, path: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof replyBody === 'function' ? replyBody(path) : replyBody);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the assertion will show what arrived.
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body });
      const path = req.url ?? '';
      if (stallMode === null) reply(res, path);
      else {
        if (stallMode === 'body') res.writeHead(status, { 'content-type': 'application/json' }).write('{"ok":');
        else held.push({ res, path });
        res.on('close', () => {
          closed++;
          for (const w of [...closeWaiters]) {
            if (closed < w.count) continue;
            closeWaiters.splice(closeWaiters.indexOf(w), 1);
            w.resolve();
          }
        });
      }
      for (const w of [...waiters]) {
        if (received.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve([...received]);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stall(mode) {
      stallMode = mode;
    },
    release() {
      for (const h of held.splice(0)) reply(h.res, h.path);
    },
    waitForClosed(count) {
      if (closed >= count) return Promise.resolve();
      return new Promise((resolve) => closeWaiters.push({ count, resolve }));
    },
    respondWith(s, b) {
      status = s;
      replyBody = b ?? (s < 300 ? '{"ok":true}' : '{"ok":false,"description":"failing on purpose"}');
    },
    waitFor(count) {
      if (received.length >= count) return Promise.resolve([...received]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL nothing listens on: a port that was just free. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
