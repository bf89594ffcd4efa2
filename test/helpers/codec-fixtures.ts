/**
 * Header-map serialization byte fixtures (abi.md §4), for the host's and the SDK's codec tests:
 * `u32 count`, `count × (u32 key_len, u32 value_len)`, then `key \0 value \0` per pair, little-endian.
 */
export interface CodecFixture {
  name: string;
  pairs: [string, string][];
  bytes: number[];
}

export const codecFixtures: CodecFixture[] = [
  { name: "empty map (cpp-host sends zero bytes)", pairs: [], bytes: [] },
  {
    name: "one pair",
    pairs: [[":path", "/"]],
    bytes: [
      1,
      0,
      0,
      0, //                 count = 1
      5,
      0,
      0,
      0,
      1,
      0,
      0,
      0, //     key_len = 5, value_len = 1
      0x3a,
      0x70,
      0x61,
      0x74,
      0x68,
      0, // ":path\0"
      0x2f,
      0, //                    "/\0"
    ],
  },
  {
    name: "duplicate keys keep their order; empty value",
    pairs: [
      ["a", "1"],
      ["a", ""],
    ],
    bytes: [
      2,
      0,
      0,
      0, //                 count = 2
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0, //     "a" / "1"
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0, //     "a" / ""
      0x61,
      0,
      0x31,
      0, //           "a\0" "1\0"
      0x61,
      0,
      0, //                 "a\0" "\0"
    ],
  },
  {
    name: "UTF-8 lengths are in bytes",
    pairs: [["x-name", "é"]],
    bytes: [1, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 0x78, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0, 0xc3, 0xa9, 0],
  },
];
