// A static, client-only app: nothing is rendered on a server, every page is prebuilt.
export const prerender = true;
export const ssr = false;
