const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
const data = new Uint8Array(16384);
for (const n of [1, 8, 64, 512]) {
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    const ps = [];
    for (let i = 0; i < n; i++) ps.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(13) }, key, data));
    const sync = performance.now() - t;
    await Promise.all(ps);
    const tot = performance.now() - t;
    if (rep === 2) console.log(n, 'sync µs/call', (sync * 1000 / n).toFixed(1), 'total µs/call', (tot * 1000 / n).toFixed(1));
  }
}
