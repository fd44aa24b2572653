import { ErrorCode, METHOD_NAMES, err } from '@perpscope/shared';
import type { Host } from '../host/host.js';
import { commandChannel, EVENT_CHANNEL } from '../preload/channels.js';
import type { ElectronMain } from './electronMain.js';
import { isTrustedSender, type SenderPolicy } from './security.js';

/**
 * Registers one `ipcMain.handle` per contract command, each forwarding to the host after checking
 * the sender. Params are validated by the host's zod schemas; replies are Results, because a thrown
 * error crosses the bridge with only its message. Returns a function that removes everything.
 */
export function registerIpc(ipcMain: ElectronMain['ipcMain'], host: Pick<Host, 'handle' | 'onEvent'>, sender: SenderPolicy): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(commandChannel(method), (event, params: unknown) => {
      if (!isTrustedSender(event, sender)) return err(ErrorCode.Unauthorized, 'IPC refused: the sender is not the Perpscope window');
      return host.handle(method, params);
    });
  }
  const stopEvents = host.onEvent((event) => {
    const win = sender.appWindow();
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  });
  return () => {
    stopEvents();
    for (const method of METHOD_NAMES) ipcMain.removeHandler(commandChannel(method));
  };
}
