const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
const data = new Uint8Array(16384);
const n = 4096;
let t = performance.now();
for (let i = 0; i < n; i++) await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, data);
console.log('sequential', (n * 16384 / 1e6 / ((performance.now() - t) / 1000)).toFixed(0), 'MB/s');
for (const batch of [4, 8, 16, 64]) {
  t = performance.now();
  for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: batch }, () => crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, data)));
  console.log('batch', batch, (n * 16384 / 1e6 / ((performance.now() - t) / 1000)).toFixed(0), 'MB/s');
}
const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, data));
t = performance.now();
for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: 8 }, () => crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, ct)));
console.log('decrypt batch 8', (n * 16384 / 1e6 / ((performance.now() - t) / 1000)).toFixed(0), 'MB/s');
