// A rule: where to look (targets) and what to look for (one pattern, compared case-insensitively).

/** What part of the request a rule inspects. */
export enum Target {
  Method,
  /** The path, percent-decoded, and again with its dot segments and double slashes resolved. */
  Path,
  /** The query string, percent-decoded ("+" as space). */
  Query,
  /** Every value of every request header but the pseudo-headers, or of the headers the rule names. */
  Headers,
  /** The request body, buffered whole up to the cap; percent-decoded for form bodies. */
  Body,
}

export enum MatchKind {
  Contains,
  Prefix,
  Equals,
}

export class Rule {
  constructor(
    public readonly id: string,
    public readonly targets: Target[],
    /** For Target.Headers: the headers inspected (lower case); empty for every header. */
    public readonly headerNames: string[],
    public readonly kind: MatchKind,
    /** Lower case. */
    public readonly pattern: string,
  ) {}

  inspects(target: Target): bool {
    return this.targets.includes(target);
  }

  /** Whether the rule looks at header `name`. */
  inspectsHeader(name: string): bool {
    return this.headerNames.length == 0 || this.headerNames.includes(name);
  }

  /** Whether `text` (already lower case) matches. */
  matches(text: string): bool {
    if (this.kind == MatchKind.Contains) return text.includes(this.pattern);
    if (this.kind == MatchKind.Prefix) return text.startsWith(this.pattern);
    return text == this.pattern;
  }
}

/** The name a target has in configuration and logs. */
export function targetName(target: Target): string {
  switch (target) {
    case Target.Method: return "method";
    case Target.Path: return "path";
    case Target.Query: return "query";
    case Target.Headers: return "headers";
    default: return "body";
  }
}
