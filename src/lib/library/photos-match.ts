import type { PhotosDbAsset } from '../photos-db';
import type { Asset } from './group-assets';
import { extensionOf } from './media-path';

/**
 * The camera roll's files matched with the Photos app's database rows: a row names its original by
 * `ZDIRECTORY` + `ZFILENAME` relative to the media partition, which is the listed file's path
 * (`/` + directory + `/` + filename).
 */
export interface PhotosMatch {
	/** The assets grouped from the files, with a Live Photo movie the database knows as an item of its own split off. */
	assets: Asset[];
	/** The row of each asset the database describes, by asset id. */
	rows: Map<string, PhotosDbAsset>;
	/**
	 * Rows of the person's library (not shared) whose original is not among the listed files: the phone
	 * keeps only a thumbnail of them ("Optimize iPhone Storage"), so only the database knows them.
	 */
	absent: PhotosDbAsset[];
}

/** The path on the phone of a row's original, as the file listing gives it; undefined when the row names none. */
export function originalPath(row: PhotosDbAsset): string | undefined {
	const directory = row.directory.replace(/^\/+|\/+$/g, '');
	if (directory === '' || row.filename === '' || row.filename.includes('/')) return undefined;
	return `/${directory}/${row.filename}`;
}

/**
 * Matches rows to assets by path: an asset is described by the row of its primary file, else of its
 * first file that has one. Rows of shared albums and Shared with You are left out: their files are not
 * the camera roll's. A Live Photo's movie that has a row of its own (another item that happens to share
 * the still's name) becomes an asset of its own, as the file probes of `describeAssets` would find.
 */
export function matchPhotosDatabase(assets: readonly Asset[], rows: readonly PhotosDbAsset[]): PhotosMatch {
	const byPath = new Map<string, PhotosDbAsset>();
	for (const row of rows) {
		if (row.shared) continue;
		const path = originalPath(row);
		if (path === undefined) continue;
		const known = byPath.get(path);
		// Two rows naming one file: the one in the library wins over one in Recently Deleted.
		if (known === undefined || (known.trashed && !row.trashed)) byPath.set(path, row);
	}
	const matched = new Set<PhotosDbAsset>();
	const out: Asset[] = [];
	const rowsOf = new Map<string, PhotosDbAsset>();
	const take = (asset: Asset, row: PhotosDbAsset | undefined) => {
		out.push(asset);
		if (row === undefined) return;
		rowsOf.set(asset.id, row);
		matched.add(row);
	};
	for (const asset of assets) {
		const row = byPath.get(asset.primary.path) ?? asset.files.map((file) => byPath.get(file.path)).find((found) => found !== undefined);
		const strangers = asset.files.filter((file) => {
			const own = file.role === 'live-video' ? byPath.get(file.path) : undefined;
			return own !== undefined && own !== row;
		});
		if (strangers.length === 0) {
			take(asset, row);
			continue;
		}
		const files = asset.files.filter((file) => !strangers.includes(file));
		const stillAlone = asset.kind === 'live-photo' && !files.some((file) => file.role === 'live-video');
		const kind = stillAlone ? (extensionOf(asset.primary.path) === 'PNG' ? 'screenshot' : 'photo') : asset.kind;
		take({ ...asset, kind, files, bytes: files.reduce((sum, file) => sum + file.size, 0) }, row);
		for (const video of strangers) {
			const primary = { ...video, role: 'original' as const };
			take({ id: primary.path, kind: 'video', folder: asset.folder, baseName: asset.baseName, primary, files: [primary], bytes: primary.size }, byPath.get(video.path));
		}
	}
	const listed = new Set(assets.flatMap((asset) => asset.files.map((file) => file.path)));
	const absent = rows.filter((row) => {
		const path = originalPath(row);
		return !row.shared && !matched.has(row) && (path === undefined || !listed.has(path));
	});
	return { assets: out, rows: rowsOf, absent };
}
