// n-gram counting shared by coco-bleu.ts and cider.ts (pycocoevalcap's `precook`: the caption
// split on whitespace, every k-gram for k = 1..n counted, in order of k then position).
//
// Tokens and n-grams are interned to integer ids (tokens in a Map, n-grams in a trie over token
// ids), so counting builds no string keys and an n-gram never depends on what characters its
// tokens contain.

interface TrieNode {
  id: number; // n-gram id of the path to this node (-1 for the root)
  next: Map<number, TrieNode>;
}

/** Interns tokens and n-grams (of orders 1..n) to dense integer ids. */
export class NgramIndex {
  private readonly tokens = new Map<string, number>();
  private readonly root: TrieNode = { id: -1, next: new Map() };
  /** The order k (1..n) of each n-gram id. */
  readonly order: number[] = [];

  /** Number of distinct n-grams interned so far. */
  get size(): number {
    return this.order.length;
  }

  /** Token ids of `words` (new tokens are interned). */
  tokenIds(words: readonly string[]): Int32Array {
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      let id = this.tokens.get(words[i]);
      if (id === undefined) this.tokens.set(words[i], (id = this.tokens.size));
      ids[i] = id;
    }
    return ids;
  }

  /** The id of token `word`, or -1 when no interned caption used it (nothing is interned). */
  tokenId(word: string): number {
    return this.tokens.get(word) ?? -1;
  }

  /** The n-gram id of ids[i, i+k), or -1 when it was never interned (a negative token id never was). Allocates nothing. */
  find(ids: ArrayLike<number>, i: number, k: number): number {
    let node: TrieNode | undefined = this.root;
    for (let j = i; j < i + k && node; j++) node = ids[j] < 0 ? undefined : node.next.get(ids[j]);
    return node ? node.id : -1;
  }

  /**
   * Counts of every k-gram (k = 1..n) of the token ids, as a Map from n-gram id to count in
   * first-seen order (k = 1 first, then by position). With `unseen` given, n-grams not interned
   * yet are not added: they are counted in `unseen` instead, keyed by order and token ids ("k|a,b").
   */
  count(ids: Int32Array, n: number, unseen?: Map<string, number>): Map<number, number> {
    const counts = new Map<number, number>();
    for (let k = 1; k <= n; k++) {
      for (let i = 0; i + k <= ids.length; i++) {
        // the (k−1)-gram prefix (interned by the previous pass when adding), then the last token
        let node: TrieNode | undefined = this.root;
        for (let j = i; j < i + k - 1 && node; j++) node = node.next.get(ids[j]);
        let leaf = node?.next.get(ids[i + k - 1]);
        if (leaf === undefined && node && !unseen) {
          leaf = { id: this.order.length, next: new Map() };
          this.order.push(k);
          node.next.set(ids[i + k - 1], leaf);
        }
        if (leaf === undefined) {
          const u = `${k}|${Array.prototype.join.call(ids.subarray(i, i + k), ',')}`;
          (unseen as Map<string, number>).set(u, ((unseen as Map<string, number>).get(u) ?? 0) + 1);
          continue;
        }
        counts.set(leaf.id, (counts.get(leaf.id) ?? 0) + 1);
      }
    }
    return counts;
  }
}
