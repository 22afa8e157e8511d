// Records a hash of the front end's sources in the build (file contents, not times: git keeps no times),
// so that tests/test_studio_web.py can tell a committed build that does not match its sources.
// The same list and hash are computed there (source_hash).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['index.html', 'package.json', 'package-lock.json', 'stamp.mjs', 'vite.config.js', 'src'];

function files(path) {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => files(join(path, name))) : [path];
}

const hash = createHash('sha256');
for (const path of ROOTS.flatMap(files).map((p) => p.split('\\').join('/')).sort()) {
  hash.update(path + '\0');
  hash.update(readFileSync(path));
  hash.update('\0');
}
writeFileSync('../etl_framework/studio/web/static/source-hash.txt', hash.digest('hex') + '\n');
