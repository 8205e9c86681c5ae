import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { anvilBinary, startAnvil, type AnvilProcess } from "../../../service/src/adapters/chain/anvil";

// anvil's first well-known development account (public test key, funded at genesis).
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECIPIENT = "0x000000000000000000000000000000000000dEaD";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-anvil-"));
const running: AnvilProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((chain) => chain.kill()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(stateFile: string, stateIntervalSeconds = 1): Promise<AnvilProcess> {
  const chain = await startAnvil({ stateFile, stateIntervalSeconds });
  running.push(chain);
  return chain;
}

async function pay(url: string, ether: string): Promise<void> {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = new Wallet(DEV_KEY, provider);
  const tx = await wallet.sendTransaction({ to: RECIPIENT, value: parseEther(ether), gasPrice: 0 });
  await tx.wait();
  provider.destroy();
}

async function balanceOf(url: string, address = RECIPIENT): Promise<bigint> {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true });
  const balance = await provider.getBalance(address);
  provider.destroy();
  return balance;
}

describe("the embedded anvil chain", () => {
  it("finds the anvil binary shipped through npm", () => {
    expect(path.basename(anvilBinary())).toBe("anvil");
  });

  it("prefers ANVIL_BIN when it is set", () => {
    expect(anvilBinary({ ANVIL_BIN: "/opt/foundry/anvil" })).toBe("/opt/foundry/anvil");
  });

  it("keeps its state across a clean restart and charges no gas", async () => {
    const stateFile = path.join(dir, "clean.json");
    const first = await start(stateFile);
    await pay(first.url, "1.5");
    await first.stop();

    const second = await start(stateFile);
    expect([await balanceOf(second.url), await balanceOf(second.url, new Wallet(DEV_KEY).address)]).toEqual([
      parseEther("1.5"),
      parseEther("10000") - parseEther("1.5"), // genesis funds minus the value: no gas paid
    ]);
    await second.stop();
  });

  it("loses what came after its last state dump when it is killed", async () => {
    const stateFile = path.join(dir, "crash.json");
    const first = await start(stateFile, 3600);
    await pay(first.url, "1");
    await first.stop(); // dumped: 1 ether
    const second = await start(stateFile, 3600);
    await pay(second.url, "2"); // not dumped before the kill
    await second.kill();

    const third = await start(stateFile, 3600);
    expect(await balanceOf(third.url)).toBe(parseEther("1"));
    await third.stop();
  });

  it("fails with CHAIN_UNAVAILABLE when the binary cannot start", async () => {
    await expect(startAnvil({ binary: path.join(dir, "no-such-anvil") })).rejects.toMatchObject({
      code: "CHAIN_UNAVAILABLE",
    });
  });
});
