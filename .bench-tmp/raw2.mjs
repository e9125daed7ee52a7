const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
const data = new Uint8Array(16384);
const n = 2048;
let t = performance.now();
const ps = [];
for (let i = 0; i < n; i++) ps.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, data));
const sync = performance.now() - t;
await Promise.all(ps);
console.log('sync part ms', sync.toFixed(1), 'total ms', (performance.now() - t).toFixed(1), 'MB/s', (n*16384/1e6/((performance.now()-t)/1000)).toFixed(0));
