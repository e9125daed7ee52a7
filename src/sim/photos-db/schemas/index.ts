import type { PhotosSchemaSource, PhotosSchemaVersion } from '../schema-source';

/** Each schema is a chunk of its own (100+ KB of SQL), loaded when a database of that version is first built. */
const LOADERS: Record<PhotosSchemaVersion, () => Promise<{ schema: PhotosSchemaSource }>> = {
	'ios-15': () => import('./ios-15'),
	'ios-16': () => import('./ios-16'),
	'ios-17': () => import('./ios-17'),
	'ios-18': () => import('./ios-18'),
	'ios-26': () => import('./ios-26'),
};

export async function loadPhotosSchema(version: PhotosSchemaVersion): Promise<PhotosSchemaSource> {
	return (await LOADERS[version]()).schema;
}
