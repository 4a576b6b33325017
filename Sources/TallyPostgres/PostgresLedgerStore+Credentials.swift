import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Runs a credential write inside the caller's transaction, in the steps of
    /// `CredentialPlanner`: read (locking the credentials it names), plan, write, apply the
    /// batch, write.
    func perform(_ write: CredentialWrite, _ connection: PostgresConnection, now: Int64, ids: IDGenerator)
        async throws -> LedgerWriteResult
    {
        try await requireRealm(connection, write.realmID)
        let reads = Self.statements.reads(for: write)
        var found = CredentialPlanner.Findings()
        // The credentials first: their row locks make a second write naming them wait here, and
        // every read after this one sees what the first committed.
        if let credentials = reads.credentials { try found.addCredentials(try await rows(connection, credentials)) }
        for (kind, owners) in reads.owners { try found.addOwners(kind, try await rows(connection, owners)) }
        if let account = reads.account { found.accountExists = try await row(connection, account) != nil }
        if let balances = reads.holderBalances {
            try found.addHolderBalances(try await rows(connection, balances))
        }

        let plan = try CredentialPlanner.plan(
            write, found, statements: Self.statements, makeID: { ids.make() }, now: now)
        for statement in plan.before { try await run(connection, statement.query) }
        var receipt: BatchReceipt?
        if let batch = plan.batch {
            receipt = try await apply(
                batch, connection, batchID: ids.make(), entryIDs: batch.changes.map { _ in ids.make() }, now: now)
        }
        for statement in plan.after { try await run(connection, statement.query) }
        return plan.result(receipt)
    }

    public func credentialDetails(_ identity: CredentialIdentity, in realmID: RealmID) async throws
        -> CredentialDetails
    {
        try await transaction("credentialDetails", .reading) { connection in
            try await requireRealm(connection, realmID)
            guard let statement = Self.statements.credentials([identity], in: realmID, locking: false),
                let found = try await row(connection, statement)
            else { throw TallyError.credentialNotFound(identity, in: realmID) }
            let credential = try GhostCredential(stored: found)
            let held = try await rows(
                connection, Self.statements.heldBalances(ofIDs: [credential.addressee], in: realmID))
            return CredentialDetails(credential: credential, balances: try held.map(HeldBalance.init(stored:)))
        }
    }
}
