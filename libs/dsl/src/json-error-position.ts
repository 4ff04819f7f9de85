/**
 * Where JSON text first stops being valid JSON. Node 20's `JSON.parse` messages do not always
 * carry a position ("Unexpected token '}', ... is not valid JSON"), so syntax errors are
 * located by this small scanner that follows the JSON grammar. Only used on failure.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (error) {
    return error instanceof JsonSyntaxError ? error.offset : undefined;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

class JsonScanner {
  private offset = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.whitespace();
    if (this.offset < this.text.length) {
      this.fail();
    }
  }

  private value(): void {
    this.whitespace();
    const char = this.text[this.offset];
    if (char === '{') {
      this.sequence('}', () => {
        this.whitespace();
        this.string();
        this.whitespace();
        this.expect(':');
        this.value();
      });
    } else if (char === '[') {
      this.sequence(']', () => this.value());
    } else if (char === '"') {
      this.string();
    } else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) {
      this.number();
    }
  }

  /** `{…}` or `[…]`: comma-separated members, possibly none. */
  private sequence(close: string, member: () => void): void {
    this.offset += 1;
    this.whitespace();
    if (this.text[this.offset] === close) {
      this.offset += 1;
      return;
    }
    for (;;) {
      member();
      this.whitespace();
      if (this.text[this.offset] === close) {
        this.offset += 1;
        return;
      }
      this.expect(',');
    }
  }

  private string(): void {
    this.expect('"');
    while (this.offset < this.text.length) {
      const char = this.text[this.offset];
      if (char === '"') {
        this.offset += 1;
        return;
      }
      if (char === '\\') {
        this.sticky(ESCAPE);
      } else if (char < ' ') {
        this.fail();
      } else {
        this.offset += 1;
      }
    }
    this.fail();
  }

  private number(): void {
    this.sticky(NUMBER);
  }

  private sticky(pattern: RegExp): void {
    pattern.lastIndex = this.offset;
    const match = pattern.exec(this.text);
    if (match === null) {
      this.fail();
    }
    this.offset += match[0].length;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.offset)) {
      return false;
    }
    this.offset += word.length;
    return true;
  }

  private expect(char: string): void {
    if (this.text[this.offset] !== char) {
      this.fail();
    }
    this.offset += 1;
  }

  private whitespace(): void {
    while (/[ \t\n\r]/.test(this.text[this.offset] ?? '')) {
      this.offset += 1;
    }
  }

  private fail(): never {
    throw new JsonSyntaxError(this.offset);
  }
}
