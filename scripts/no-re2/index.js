// re2 is left out of pushfan's install (see package.json's overrides): requiring it fails, so
// superstatic uses JavaScript regular expressions, as it does whenever re2 did not build.
throw new Error("re2 is not installed in pushfan (superstatic falls back to JavaScript regular expressions)");
