import { PROFILES } from '../src/lib/sim/camera-roll/index.ts';
import { VirtualCameraRoll } from '../src/lib/sim/camera-roll/camera-roll.ts';
const t=Date.now();
const roll = new VirtualCameraRoll({ profile: 'huge' });
let n=0,b=0; const byExt = new Map<string, number>();
for (const f of roll.files()) { n++; b+=f.size; const e=f.path.split('.').pop()!; byExt.set(e,(byExt.get(e)??0)+f.size); }
console.log(n, (b/1e9).toFixed(1),'GB', Date.now()-t,'ms', [...byExt].map(([e,s])=>e+':'+(s/1e9).toFixed(1)).join(' '));
