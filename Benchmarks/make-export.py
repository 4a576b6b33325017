#!/usr/bin/env python3
"""Writes a Tally export (format 1) of one realm with MEMBERS members and ENTRIES journal entries,
for the portability benchmark: every entry a credit or debit of one member in one of two
currencies, chained as a real journal is, and each balance the end of its chain.

    Benchmarks/make-export.py MEMBERS ENTRIES > export.jsonl
"""
import json
import random
import sys

members, entries = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
realm = "6" + "0" * 23
currencies = ["7" + "0" * 22 + "1", "7" + "0" * 22 + "2"]


def hex_id(prefix, number):
    digits = format(number, "x")
    return prefix + "0" * (24 - len(prefix) - len(digits)) + digits


def line(record):
    """One record as Tally writes it: keys sorted, no spaces, absent values left out."""
    record = {key: value for key, value in record.items() if value is not None}
    sys.stdout.write(json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")


line({"type": "tally-export", "format": 1, "tallyVersion": "0.2.0", "exportedAt": 0, "realm": None,
      "journal": True, "keys": False})
records = 0
line({"type": "realm", "id": realm, "name": "Bench", "description": "", "subdomain": None,
      "createdAt": 1_700_000_000_000, "updatedAt": 1_700_000_000_000})
for number, currency in enumerate(currencies):
    line({"type": "currency", "id": currency, "realmId": realm, "name": ["Points", "Gems"][number],
          "isDefault": number == 0, "minimumBalance": 0, "transferable": True,
          "createdAt": 1_700_000_000_000, "updatedAt": 1_700_000_000_000})
records += 3
member_ids = [hex_id("8", index) for index in range(members)]
for index, member in enumerate(member_ids):
    line({"type": "member", "id": member, "realmId": realm, "username": f"user{index}",
          "discordId": str(10**17 + index), "createdAt": 1_700_000_000_000 + index,
          "updatedAt": 1_700_000_000_000 + index})
records += members
balances = {}
for index in range(entries):
    member = member_ids[rng.randrange(members)]
    currency = currencies[index % 2]
    before = balances.get((member, currency), 0)
    amount = rng.randrange(1, 100) if before < 50 or rng.random() < 0.7 else -rng.randrange(1, before + 1)
    balances[(member, currency)] = before + amount
    line({"type": "entry", "id": hex_id("9", index), "realmId": realm, "memberId": member,
          "currencyId": currency, "amount": amount, "balanceBefore": before, "balanceAfter": before + amount,
          "batchId": hex_id("a", index // 10), "initiatorId": "bench" if index % 3 == 0 else None,
          "kind": "batch", "createdAt": 1_700_000_100_000 + index})
records += entries
for member in member_ids:
    for currency in currencies:
        if (member, currency) in balances:
            line({"type": "balance", "realmId": realm, "memberId": member, "currencyId": currency,
                  "balance": balances[(member, currency)], "updatedAt": 1_700_000_200_000})
            records += 1
line({"type": "end", "records": records})
