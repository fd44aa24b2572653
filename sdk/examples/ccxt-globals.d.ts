/**
 * ccxt 4.5.84's published `js/src/base/functions/throttle.d.ts` names a type `Num` it never
 * imports, so with `skipLibCheck: false` every program that loads ccxt's declarations (the SDK's
 * do) fails on that one file. ccxt's own `Num` is `number | undefined`; declaring it globally here
 * lets the rest of ccxt's declarations, and all of the SDK's, be checked in full.
 */
type Num = number | undefined;
