/**
 * The tray icon and its menu, following core state. Setters return early when nothing changed (Signal's
 * SystemTrayService): the menu is rebuilt only when its model changed, the icon set only when its file did.
 */
import type { Menu as MenuT, MenuItemConstructorOptions, NativeImage, Tray as TrayT } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import type { OffloadState } from '../core/state';
import { buildTrayMenu, trayIcon, type MenuItemModel, type TrayAction, type TrayUiState } from './tray-model';
import { iconWithMeter, meterLevel } from './tray-meter';
import { trayIconFile } from './tray-platform';

type ElectronParts = Pick<typeof import('electron'), 'Tray' | 'Menu' | 'nativeImage' | 'nativeTheme'>;

/** Owns the tray; `dispatch` performs a menu action. */
export class TrayController {
  readonly tray: TrayT;
  private menuKey = '';
  private iconKey = '';
  private tooltip = '';
  private model: MenuItemModel[] = [];
  private last: OffloadState | null = null;
  /** How many times the menu was really rebuilt (for tests: no flicker means no needless rebuilds). */
  rebuilds = 0;

  constructor(
    private readonly electron: ElectronParts,
    private readonly iconsDir: string,
    private readonly platform: NodeJS.Platform,
    private readonly ui: () => TrayUiState,
    private readonly dispatch: (action: TrayAction) => void,
    onClick: () => void,
  ) {
    this.tray = new electron.Tray(
      electron.nativeImage.createFromPath(path.join(iconsDir, this.pickIcon('idle'))),
    );
    this.iconKey = `${this.pickIcon('idle')}|null`;
    this.tray.on('click', onClick);
    // Windows and Linux pick the icon for the taskbar's theme; macOS tints its Template image itself.
    electron.nativeTheme.on('updated', () => this.last && this.update(this.last));
  }

  /** The current menu model (what the user sees), for test hooks. */
  get menu(): MenuItemModel[] {
    return this.model;
  }

  /** Runs the action of the menu item with this id (test hooks, and the real menu's click). */
  click(id: string): boolean {
    const item = this.model.find((i) => i.id === id);
    if (!item?.action || !item.enabled) return false;
    this.dispatch(item.action);
    return true;
  }

  /** Follows a new state: icon, tooltip and menu, each only when it changed. */
  update(state: OffloadState): void {
    this.last = state;
    const icon = trayIcon(state);
    const file = this.pickIcon(icon.state);
    const level = meterLevel(icon.meter);
    const key = `${file}|${level}`;
    if (key !== this.iconKey) {
      this.iconKey = key;
      this.tray.setImage(this.image(file, level));
    }
    if (icon.tooltip !== this.tooltip) {
      this.tooltip = icon.tooltip;
      this.tray.setToolTip(icon.tooltip);
    }
    const model = buildTrayMenu(state, this.ui());
    const menuKey = JSON.stringify(model);
    if (menuKey === this.menuKey) return;
    this.menuKey = menuKey;
    this.model = model;
    this.rebuilds++;
    this.tray.setContextMenu(
      this.electron.Menu.buildFromTemplate(model.map((i) => this.toTemplate(i))) as MenuT,
    );
  }

  destroy(): void {
    this.tray.destroy();
  }

  /** The icon file as an image, with the load meter drawn in (1x and 2x) when the load is known. */
  private image(file: string, level: number | null): NativeImage {
    const { nativeImage } = this.electron;
    if (level === null) return nativeImage.createFromPath(path.join(this.iconsDir, file));
    // The meter is drawn on the PNG variant (Windows too: a tray accepts PNG there as well).
    const png = file.replace(/\.ico$/, '.png');
    const template = /Template\.png$/.test(png);
    const color = template || !/Dark\.png$/.test(png) ? ([32, 33, 36] as const) : ([255, 255, 255] as const);
    const read = (f: string) =>
      iconWithMeter(fs.readFileSync(path.join(this.iconsDir, f)), level, template ? [0, 0, 0] : color);
    const image = nativeImage.createFromBuffer(read(png), { scaleFactor: 1 });
    image.addRepresentation({ scaleFactor: 2, buffer: read(png.replace(/\.png$/, '@2x.png')) });
    if (template) image.setTemplateImage(true);
    return image;
  }

  private pickIcon(state: Parameters<typeof trayIconFile>[0]): string {
    return trayIconFile(state, this.platform, this.electron.nativeTheme.shouldUseDarkColors);
  }

  private toTemplate(item: MenuItemModel): MenuItemConstructorOptions {
    if (item.type === 'separator') return { id: item.id, type: 'separator' };
    return {
      id: item.id,
      type: item.type === 'checkbox' ? 'checkbox' : 'normal',
      label: item.label,
      enabled: item.enabled,
      checked: item.checked,
      toolTip: item.reason,
      click: item.action ? () => this.click(item.id) : undefined,
    };
  }
}
