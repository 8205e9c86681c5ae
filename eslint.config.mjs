// ESLint flat config: typescript-eslint with type information, Prettier owns formatting.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "coverage/",
      "data/",
      "dist/",
      "verifier-web/dist/",
      "bench/out/",
      "test-results/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.mjs", "bin/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      eqeqeq: ["error", "smart"],
    },
  },
  {
    // The core is pure and browser-safe: no Node built-ins, no drivers, no frameworks (CONTRIBUTING.md).
    files: ["service/src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "core must stay browser-safe: take it through a port" },
            {
              group: ["**/adapters/**", "**/http/**", "**/cli/**"],
              message: "core imports no adapter, framework or CLI",
            },
          ],
          paths: [
            "fs",
            "path",
            "crypto",
            "os",
            "child_process",
            "pg",
            "@electric-sql/pglite",
            "fastify",
            "bullmq",
            "ioredis",
            "hardhat",
            "node-forge",
          ].map((name) => ({ name, message: "core must stay browser-safe and adapter-free" })),
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "core reads no environment" },
        { name: "Buffer", message: "use Uint8Array in core" },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    files: ["bin/*.mjs"],
    languageOptions: { globals: { process: "readonly", URL: "readonly" } },
  },
);
