// What the manifest builders throw. They know their inputs and the documents they write, not the flags or
// files those came from: the CLI (cli/commands/manifest/hints.ts) says which flag to change.

/** A manifest field that Istio or Envoy would refuse; `field` is its path, e.g. `spec.match[0].mode`. */
export class ManifestError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "ManifestError";
  }
}

/**
 * An input no manifest can be built from: `input` names it as the builder's input does (`image`,
 * `upstream`, `clusters`, `grpcClusters`, `configSchema`), `fix` says what would work.
 */
export class ManifestInputError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
    readonly fix?: string,
  ) {
    super(`${input}: ${reason}`);
    this.name = "ManifestInputError";
  }
}
