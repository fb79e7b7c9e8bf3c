#!/usr/bin/env node
// The `logharbor` command. The TypeScript is compiled to dist/ by `npm ci` (the
// `prepare` script) and by `npm start`.
import '../dist/cli/main.js';
