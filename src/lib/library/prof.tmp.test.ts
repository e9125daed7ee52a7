import { it } from 'vitest';
import { VirtualCameraRoll } from '../sim/camera-roll';
import { VfsDeviceFiles } from './testing/vfs-device-files';
import { scanCameraRoll, groupAssets } from '.';
it('prof', async () => {
  let t = performance.now();
  const roll = new VirtualCameraRoll({ profile: 'huge', seed: 5 });
  console.log('build', performance.now() - t); t = performance.now();
  const scan = await scanCameraRoll(new VfsDeviceFiles(roll), { concurrency: 32 });
  console.log('scan', performance.now() - t); t = performance.now();
  const assets = groupAssets(scan.files);
  console.log('group', performance.now() - t, assets.length); t = performance.now();
  const n = [...roll.files()].length;
  console.log('files()', performance.now() - t, n);
}, 60000);
