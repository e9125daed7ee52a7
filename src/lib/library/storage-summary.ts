import type { Asset, AssetKind } from './group-assets';

export interface Tally {
	assets: number;
	files: number;
	bytes: number;
}

export interface StorageSummary {
	total: Tally;
	byKind: Record<AssetKind, Tally>;
}

const KINDS: readonly AssetKind[] = ['photo', 'live-photo', 'video', 'screenshot', 'other'];

function emptyTally(): Tally {
	return { assets: 0, files: 0, bytes: 0 };
}

function add(tally: Tally, asset: Asset): void {
	tally.assets++;
	tally.files += asset.files.length;
	tally.bytes += asset.bytes;
}

/**
 * Camera-roll bytes by kind of file group, for how much of the phone's storage the photos take. How
 * many items the library holds, and of which kind, is `countItems`'s (library-counts.ts).
 */
export function summarizeStorage(assets: readonly Asset[]): StorageSummary {
	const byKind = Object.fromEntries(KINDS.map((kind) => [kind, emptyTally()])) as Record<AssetKind, Tally>;
	const summary: StorageSummary = { total: emptyTally(), byKind };
	for (const asset of assets) {
		add(summary.total, asset);
		add(byKind[asset.kind], asset);
	}
	return summary;
}
