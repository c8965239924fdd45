// The theme's JavaScript against the browsers in package.json "browserslist" (README: Supported
// browsers): eslint-plugin-compat for Web APIs, eslint-plugin-es-x for language features newer
// than the ECMAScript edition every listed browser has.
import { createRequire } from "node:module";

import browserslist from "browserslist";
import compat from "eslint-plugin-compat";
import esX from "eslint-plugin-es-x";
import globals from "globals";

const require = createRequire(import.meta.url);
const { browserslistToESVersion } = require("browserslist-to-es-version");

const targets = browserslist();
const edition = browserslistToESVersion(targets);

export default [
  {
    files: ["theme/static/js/**/*.js", "tests/**/compat_samples/**/*.js"],
    languageOptions: {
      // Parse anything, so a newer feature is reported by its es-x rule, not as a syntax error.
      ecmaVersion: "latest",
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    files: ["theme/static/js/**/*.js", "tests/**/compat_samples/**/*.js"],
    ...compat.configs["flat/recommended"],
    settings: { browsers: targets },
  },
  {
    files: ["theme/static/js/**/*.js", "tests/**/compat_samples/**/*.js"],
    ...esX.configs[`flat/restrict-to-es${edition}`],
  },
  {
    // Without type information es-x reports a prototype method only when told to look at any
    // object ("aggressive"). For all methods that is too noisy (every array `.map` looks like an
    // iterator helper); for these newer ones, whose names are rare, a false alarm now and then
    // is cheaper than a missed one on an old phone.
    files: ["theme/static/js/**/*.js", "tests/**/compat_samples/**/*.js"],
    rules: Object.fromEntries(
      [
        "no-array-prototype-at",
        "no-string-prototype-at",
        "no-array-prototype-findlast-findlastindex",
        "no-array-prototype-toreversed",
        "no-array-prototype-tosorted",
        "no-array-prototype-tospliced",
        "no-array-prototype-with",
        "no-string-prototype-replaceall",
        "no-string-prototype-matchall",
        "no-string-prototype-iswellformed-towellformed",
      ].map((rule) => [`es-x/${rule}`, ["error", { aggressive: true }]]),
    ),
  },
  {
    // The edition is the oldest one the list fully has (ES2018's regex look-behind waited for
    // iOS 16.4); these later features are in every listed browser (Chrome 66 / iOS 11.3 at most;
    // ES2020's dynamic import() since Chrome 63 / iOS 11.1, unlike the rest of ES2020).
    files: ["theme/static/js/**/*.js", "tests/**/compat_samples/**/*.js"],
    rules: {
      "es-x/no-rest-spread-properties": "off",
      "es-x/no-promise-prototype-finally": "off",
      "es-x/no-optional-catch-binding": "off",
      "es-x/no-regexp-s-flag": "off",
      "es-x/no-regexp-named-capture-groups": "off",
      "es-x/no-async-iteration": "off",
      "es-x/no-dynamic-import": "off",
    },
  },
];
