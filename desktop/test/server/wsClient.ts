import WebSocket from 'ws';

export type Reply = { id: number | string | null; result: { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } } };

/** One RPC socket on a real server: replies are counted and kept in arrival order; events are skipped. */
export interface RpcSocket {
  ws: WebSocket;
  /** Sends raw text frames. */
  send(frames: readonly string[]): void;
  /** Resolves with the next `n` replies (frames carrying `result`), in arrival order. */
  replies(n: number): Promise<Reply[]>;
  /** Sends one frame and returns the next reply. */
  call(frame: unknown): Promise<Reply>;
  /** Resolves when the socket closes, with its close code. */
  closed: Promise<number>;
}

/** Opens `ws(s)://…/rpc` with the given headers; rejects with `HTTP <status>` when refused. */
export async function openRpcSocket(baseUrl: string, headers: Record<string, string>): Promise<RpcSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/rpc`, { headers });
  const queue: Reply[] = [];
  let waiter: { n: number; resolve: (r: Reply[]) => void } | null = null;
  const flush = () => {
    if (waiter && queue.length >= waiter.n) {
      const { n, resolve } = waiter;
      waiter = null;
      resolve(queue.splice(0, n));
    }
  };
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as Record<string, unknown>;
    if (!('result' in msg)) return;
    queue.push(msg as unknown as Reply);
    flush();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  const replies = (n: number) =>
    new Promise<Reply[]>((resolve, reject) => {
      if (waiter) reject(new Error('one replies() at a time'));
      waiter = { n, resolve };
      flush();
      void closed.then(() => {
        if (waiter?.resolve === resolve) reject(new Error(`socket closed with ${queue.length} of ${n} replies`));
      });
    });
  return {
    ws,
    send: (frames) => {
      for (const f of frames) ws.send(f);
    },
    replies,
    async call(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      const [r] = await replies(1);
      return r!;
    },
    closed,
  };
}
