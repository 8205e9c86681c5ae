import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ZeroHash, decodeRlp, getAddress } from "ethers";
import { qbftExtraData } from "../../scripts/lib/qbft";

const VALIDATORS = [
  "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
  "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
  "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
  "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
];

describe("qbftExtraData", () => {
  it("encodes a zero vanity, the validators, no vote, round 0 and no seals", () => {
    const extraData = qbftExtraData(VALIDATORS.map((v, i) => (i === 0 ? getAddress(v) : v)));
    expect({
      prefix: extraData.slice(0, 10),
      decoded: decodeRlp(extraData),
      suffix: extraData.slice(-6),
    }).toEqual({
      prefix: "0xf87aa000",
      decoded: [ZeroHash, VALIDATORS, [], "0x", []],
      suffix: "c080c0",
    });
  });

  it("refuses an address with a wrong checksum rather than encode a typo", () => {
    expect(() => qbftExtraData(["0x4592C8E45706cc08B8F44b11e43CBA0cfc5892cb"])).toThrow(
      /bad address checksum/,
    );
  });

  it("is what deployments/besu/genesis.json carries for its placeholder validators", () => {
    const genesis = JSON.parse(
      readFileSync(path.resolve(__dirname, "../../deployments/besu/genesis.json"), "utf8"),
    ) as { extraData: string; config: { chainId: number } };
    const placeholders = [1, 2, 3, 4].map((n) => "0x" + n.toString(16).padStart(40, "0"));
    expect({ extraData: genesis.extraData, chainId: genesis.config.chainId }).toEqual({
      extraData: qbftExtraData(placeholders),
      chainId: 8401,
    });
  });
});
