import { setFlagsFromString } from 'node:v8';

// Imported first by main.ts, so it runs before the rest of mcpd loads.
//
// Each request's objects die young. Left on, V8's allocation-site pretenuring sometimes decides
// at start to allocate some of them in the old generation, and those then hold their request's
// young objects through young collections until the next full one: 4 to 8 times the bytes
// promoted per streamed answer, young collections up to twice as long, for the life of the
// process. With it off that state comes about half as often; it has another cause too
// (docs/decisions.md, "Pretenuring off in mcpd").
setFlagsFromString('--no-allocation-site-pretenuring');
