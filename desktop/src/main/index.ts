import { app, BrowserWindow, dialog, ipcMain, Notification, session } from 'electron';
import { runDesktop } from './desktopApp.js';

// The only import of `electron`: the rest of the main process receives it, so it runs under test.
runDesktop({ app, BrowserWindow, ipcMain, session, dialog, Notification });
