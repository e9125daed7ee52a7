export {
	normalizeAfcPath,
	serveAfc,
	type AfcdFaults,
	type AfcdOptions,
	type AfcdRequest,
	type AfcdSession,
} from './afcd';
export { DEFAULT_MAX_OUTSTANDING, type AfcdPipelining } from './request-inbox';
// Test support: a small in-memory file system with synthetic contents.
export { createTestFileSystem, syntheticBytes, type TestFileSpec } from './test-file-system';
