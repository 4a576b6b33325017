import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Runs the steps of `BatchPlanner` inside the caller's write transaction: reads what the
    /// batch references, plans against the writer's balances (`memory`), and appends the plan's
    /// journal entries; the balance file follows them (docs/decisions/0009). A rejection throws
    /// before anything is written, so the transaction rolls back with nothing to undo.
    static func apply(
        _ batch: Batch, in db: Database, batchID: BatchID, entryIDs: [JournalEntryID], now: Int64,
        memory: WriterBalances
    ) throws -> BatchReceipt {
        let realm = batch.realmID.rawValue
        try requireRealm(db, batch.realmID)

        var references = BatchPlanner.References()
        let memberExists = try db.cachedStatement(sql: "SELECT ghost FROM members WHERE realm_id = ? AND id = ?")
        for member in batch.memberIDs {
            guard let ghost = try Bool.fetchOne(memberExists, arguments: [realm, member.rawValue]) else { continue }
            references.existingMembers.insert(member)
            if ghost { references.ghosts.insert(member) }
        }
        let currencyByID = try db.cachedStatement(
            sql: "SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = ? AND id = ?")
        for currencyID in batch.currencyIDs {
            if let row = try Row.fetchOne(currencyByID, arguments: [realm, currencyID.rawValue]) {
                references.include(try Currency(stored: SQLiteStoredRow(row)), asDefault: false)
            }
        }
        if batch.usesDefaultCurrency {
            let defaultCurrency = try db.cachedStatement(
                sql: "SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = ? AND is_default = 1")
            if let row = try Row.fetchOne(defaultCurrency, arguments: [realm]) {
                references.include(try Currency(stored: SQLiteStoredRow(row)), asDefault: true)
            }
        }

        let resolved = try BatchPlanner.resolve(batch, references: references)
        var balances = [BalanceKey: Int64](minimumCapacity: resolved.balanceKeys.count)
        for key in resolved.balanceKeys { balances[key] = try memory.balance(key, in: batch.realmID, db) }
        let plan = try BatchPlanner.plan(resolved, balances: balances)
        let receipt = plan.receipt(batchID: batchID, entryIDs: entryIDs)

        // The writer keeps the new balances once the request's savepoint holds.
        for final in plan.finalBalances { memory.set(final.key, in: batch.realmID, to: final.balance) }
        let journal = try db.cachedStatement(
            sql: """
                INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                    batch_id, initiator_id, kind, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for change in receipt.changes {
            try journal.execute(arguments: [
                change.entryID.rawValue, realm, change.memberID.rawValue, change.currencyID.rawValue, change.amount,
                change.balanceBefore, change.balanceAfter, batchID.rawValue, batch.initiatorID, batch.kind.rawValue,
                now,
            ])
        }
        return receipt
    }
}
