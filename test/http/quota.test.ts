import { describe, expect, it } from "vitest";
import { durationText, memoryQuota } from "../../service/src/http/plugins/quota";

describe("the in-memory quota", () => {
  it("takes units while they fit, refuses without taking, and starts a new window when the old one ends", async () => {
    let now = 1_000_000;
    const quota = memoryQuota(() => now);
    const answers = [
      await quota.take("a", 3, 5, 60_000),
      await quota.take("a", 3, 5, 60_000),
      await quota.take("b", 5, 5, 60_000),
      await quota.take("a", 2, 5, 60_000),
    ];
    now += 30_000;
    answers.push(await quota.take("a", 1, 5, 60_000));
    now += 30_000;
    answers.push(await quota.take("a", 5, 5, 60_000));
    expect(answers).toEqual([
      { allowed: true, used: 3, resetMs: 60_000 },
      { allowed: false, used: 3, resetMs: 60_000 },
      { allowed: true, used: 5, resetMs: 60_000 },
      { allowed: true, used: 5, resetMs: 60_000 },
      { allowed: false, used: 5, resetMs: 30_000 },
      { allowed: true, used: 5, resetMs: 60_000 },
    ]);
  });

  it("keeps counting the live clients while many others come and go", async () => {
    let now = 0;
    const quota = memoryQuota(() => now);
    await quota.take("steady", 4, 5, 1_000_000);
    for (let i = 0; i < 25_000; i++) {
      now += 1;
      await quota.take(`passing-${i}`, 1, 5, 100);
    }
    expect(await quota.take("steady", 1, 5, 1_000_000)).toEqual({
      allowed: true,
      used: 5,
      resetMs: 1_000_000 - 25_000,
    });
  });
});

describe("durationText", () => {
  it("writes a window or a wait in seconds under two minutes, else in whole minutes", () => {
    expect([1, 1000, 45_000, 60_000, 90_000, 120_000, 600_000, 3_600_000].map(durationText)).toEqual([
      "1 second",
      "1 second",
      "45 seconds",
      "1 minute",
      "90 seconds",
      "2 minutes",
      "10 minutes",
      "60 minutes",
    ]);
  });
});
