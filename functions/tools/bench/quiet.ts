// Imported first by the benchmark: the domain code's structured info logs (one JSON line per batch)
// would bury the benchmark's own output. firebase-functions' logger keeps the console methods it
// finds when it loads, so they are replaced before it does. Warnings and errors still show.
console.info = () => undefined;
console.debug = () => undefined;
