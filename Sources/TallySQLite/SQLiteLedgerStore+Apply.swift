import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Reads what the batch touches, plans it with `BatchPlanner`, and writes the plan, inside the
    /// caller's write transaction. A rejection throws before anything is written, so the
    /// transaction rolls back with nothing to undo.
    static func apply(
        _ batch: Batch, in db: Database, batchID: BatchID, entryIDs: [JournalEntryID], now: Int64
    ) throws -> BatchReceipt {
        let realm = batch.realmID.rawValue
        try requireRealm(db, batch.realmID)

        var snapshot = BatchPlanner.Snapshot(
            existingMembers: [], currencies: [:], defaultCurrencyID: nil, balances: [:])
        let memberExists = try db.cachedStatement(sql: "SELECT 1 FROM members WHERE realm_id = ? AND id = ?")
        for member in batch.memberIDs where try Int.fetchOne(memberExists, arguments: [realm, member.rawValue]) != nil {
            snapshot.existingMembers.insert(member)
        }
        let currencyByID = try db.cachedStatement(
            sql: "SELECT \(currencyColumns) FROM currencies WHERE realm_id = ? AND id = ?")
        for currencyID in batch.currencyIDs {
            if let row = try Row.fetchOne(currencyByID, arguments: [realm, currencyID.rawValue]) {
                snapshot.currencies[currencyID] = currency(from: row)
            }
        }
        if batch.usesDefaultCurrency {
            let defaultCurrency = try db.cachedStatement(
                sql: "SELECT \(currencyColumns) FROM currencies WHERE realm_id = ? AND is_default = 1")
            if let row = try Row.fetchOne(defaultCurrency, arguments: [realm]) {
                let found = currency(from: row)
                snapshot.currencies[found.id] = found
                snapshot.defaultCurrencyID = found.id
            }
        }

        let keys = try BatchPlanner.resolve(batch, snapshot: snapshot)
        let balanceOf = try db.cachedStatement(
            sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?")
        for key in Set(keys) {
            if let value = try Int64.fetchOne(
                balanceOf, arguments: [realm, key.currencyID.rawValue, key.memberID.rawValue])
            {
                snapshot.balances[key] = value
            }
        }

        let plan = try BatchPlanner.plan(batch, snapshot: snapshot)

        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (realm_id, currency_id, member_id)
                DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at
                """)
        for (key, value) in plan.finalBalances {
            try upsert.execute(arguments: [realm, key.currencyID.rawValue, key.memberID.rawValue, value, now])
        }
        let journal = try db.cachedStatement(
            sql: """
                INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                    batch_id, initiator_id, kind, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var applied = [AppliedChange]()
        applied.reserveCapacity(plan.entries.count)
        for (entry, entryID) in zip(plan.entries, entryIDs) {
            try journal.execute(arguments: [
                entryID.rawValue, realm, entry.memberID.rawValue, entry.currencyID.rawValue, entry.amount,
                entry.balanceBefore, entry.balanceAfter, batchID.rawValue, batch.initiatorID, batch.kind.rawValue, now,
            ])
            applied.append(
                AppliedChange(
                    entryID: entryID, memberID: entry.memberID, currencyID: entry.currencyID, amount: entry.amount,
                    balanceBefore: entry.balanceBefore, balanceAfter: entry.balanceAfter))
        }
        return BatchReceipt(batchID: batchID, changes: applied)
    }
}
