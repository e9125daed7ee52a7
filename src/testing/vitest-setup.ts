/*
 * Before every test file: what the app loads lazily before first use (its own chunks in the page), so
 * that tests may call the parsers directly, as the app does once it has loaded them.
 */
import { loadExifReader } from '../lib/library/exif-reader';

await loadExifReader();
