import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Runs the steps of `BatchPlanner` inside the caller's transaction: reads what the batch
    /// references, locks and reads its balances, and writes the plan with set-based statements.
    /// A rejection throws before anything is written, and the rollback releases the locks.
    ///
    /// Lock order: the batch's currencies are share-locked (so a concurrent limit change waits),
    /// then every touched balance row is created-or-locked in one statement in sorted key order.
    /// Every server locks balances in that same order, so overlapping batches queue, never
    /// deadlock.
    func apply(
        _ batch: Batch, _ connection: PostgresConnection, batchID: BatchID, entryIDs: [JournalEntryID], now: Int64
    ) async throws -> BatchReceipt {
        let realm = batch.realmID.rawValue
        try await requireRealm(connection, batch.realmID)

        var references = BatchPlanner.References()
        let memberIDs = batch.memberIDs.map(\.rawValue)
        for row in try await all(
            connection, "SELECT id, ghost FROM members WHERE realm_id = \(realm) AND id = ANY(\(memberIDs))")
        {
            let member = MemberID(canonical: try row["id"].decode(String.self))
            references.existingMembers.insert(member)
            if try row["ghost"].decode(Bool.self) { references.ghosts.insert(member) }
        }
        let currencyIDs = batch.currencyIDs.map(\.rawValue)
        let usesDefault = batch.usesDefaultCurrency
        for row in try await all(
            connection,
            """
            SELECT \(unescaped: StoredSchema.currencyColumns) FROM currencies
            WHERE realm_id = \(realm) AND (id = ANY(\(currencyIDs)) OR (\(usesDefault) AND is_default))
            ORDER BY id FOR KEY SHARE
            """)
        {
            // The query returns only the named currencies and, when a change names none, the default.
            let found = try Currency(stored: PostgresStoredRow(row))
            references.include(found, asDefault: usesDefault && found.isDefault)
        }

        let resolved = try BatchPlanner.resolve(batch, references: references)
        let lockCurrencies = resolved.balanceKeys.map(\.currencyID.rawValue)
        let lockMembers = resolved.balanceKeys.map(\.memberID.rawValue)
        // One statement creates missing rows and locks existing ones, in sorted order, and
        // returns the current balances. The no-op DO UPDATE is what takes the row lock.
        var balances = [BalanceKey: Int64](minimumCapacity: resolved.balanceKeys.count)
        for row in try await all(
            connection,
            """
            INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
            SELECT \(realm), k.c, k.m, 0, \(now) FROM unnest(\(lockCurrencies)::text[], \(lockMembers)::text[]) AS k(c, m)
            ORDER BY k.c, k.m
            ON CONFLICT (realm_id, currency_id, member_id) DO UPDATE SET balance = b.balance
            RETURNING b.currency_id, b.member_id, b.balance
            """)
        {
            let key = BalanceKey(
                currencyID: CurrencyID(canonical: try row["currency_id"].decode(String.self)),
                memberID: MemberID(canonical: try row["member_id"].decode(String.self)))
            balances[key] = try row["balance"].decode(Int64.self)
        }
        let plan = try BatchPlanner.plan(resolved, balances: balances)
        let receipt = plan.receipt(batchID: batchID, entryIDs: entryIDs)

        let finalCurrencies = plan.finalBalances.map(\.key.currencyID.rawValue)
        let finalMembers = plan.finalBalances.map(\.key.memberID.rawValue)
        let finalValues = plan.finalBalances.map(\.balance)
        // Every row exists and is locked by now. An upsert finds each one through the primary key
        // (ON CONFLICT probes the index row by row), so this write never depends on the planner:
        // an UPDATE ... FROM unnest() was planned as a hash join over all the realm's balances
        // while the table's statistics still described it as nearly empty.
        try await run(
            connection,
            """
            INSERT INTO balances AS b (realm_id, currency_id, member_id, balance, updated_at)
            SELECT \(realm), v.c, v.m, v.balance, \(now)
            FROM unnest(\(finalCurrencies)::text[], \(finalMembers)::text[], \(finalValues)::int8[]) AS v(c, m, balance)
            ON CONFLICT (realm_id, currency_id, member_id)
            DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at
            """)

        // WITH ORDINALITY keeps request order, so seq grows along each balance's chain even when
        // one member appears several times in the batch.
        let entryIDTexts = receipt.changes.map(\.entryID.rawValue)
        let members = receipt.changes.map(\.memberID.rawValue)
        let currencies = receipt.changes.map(\.currencyID.rawValue)
        let amounts = receipt.changes.map(\.amount)
        let befores = receipt.changes.map(\.balanceBefore)
        let afters = receipt.changes.map(\.balanceAfter)
        try await run(
            connection,
            """
            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                batch_id, initiator_id, kind, created_at)
            SELECT e.id, \(realm), e.m, e.c, e.amount, e.before, e.after, \(batchID.rawValue), \(batch.initiatorID),
                \(batch.kind.rawValue), \(now)
            FROM unnest(\(entryIDTexts)::text[], \(members)::text[], \(currencies)::text[], \(amounts)::int8[],
                \(befores)::int8[], \(afters)::int8[]) WITH ORDINALITY AS e(id, m, c, amount, before, after, n)
            ORDER BY e.n
            """)
        return receipt
    }
}
