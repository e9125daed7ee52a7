/**
 * npm run bench: the figures of the issue "npm run bench", each beside its target, printed as a table
 * and written to bench/results.json. See bench/README.md for what each figure measures.
 */
import { main } from '../bench/main';

await main(process.argv.slice(2));
