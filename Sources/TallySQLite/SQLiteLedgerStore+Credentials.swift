import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Runs a credential write inside the caller's transaction, in the steps of
    /// `CredentialPlanner`: read, plan, write, apply the batch, write.
    static func perform(
        _ write: CredentialWrite, _ db: Database, now: Int64, ids: IDGenerator, memory: WriterBalances
    ) throws
        -> LedgerWriteResult
    {
        try requireRealm(db, write.realmID)
        let reads = statements.reads(for: write)
        var found = CredentialPlanner.Findings()
        if let credentials = reads.credentials { try found.addCredentials(db.rows(credentials)) }
        for (kind, owners) in reads.owners { try found.addOwners(kind, db.rows(owners)) }
        if let account = reads.account { found.accountExists = try db.row(account) != nil }
        if let balances = reads.holderBalances { try found.addHolderBalances(db.rows(balances)) }

        let plan = try CredentialPlanner.plan(write, found, statements: statements, makeID: { ids.make() }, now: now)
        for statement in plan.before { try db.execute(statement) }
        let receipt = try plan.batch.map { batch in
            try apply(
                batch, in: db, batchID: ids.make(), entryIDs: batch.changes.map { _ in ids.make() }, now: now,
                memory: memory)
        }
        for statement in plan.after { try db.execute(statement) }
        return plan.result(receipt)
    }

    public func credentialDetails(_ identity: CredentialIdentity, in realmID: RealmID) async throws
        -> CredentialDetails
    {
        try await readSettled("credentialDetails") { db in
            try Self.requireRealm(db, realmID)
            guard let statement = Self.statements.credentials([identity], in: realmID, locking: false),
                let row = try db.row(statement)
            else { throw TallyError.credentialNotFound(identity, in: realmID) }
            let credential = try GhostCredential(stored: row)
            let held = try db.rows(Self.statements.heldBalances(ofIDs: [credential.addressee], in: realmID))
            return CredentialDetails(credential: credential, balances: try held.map(HeldBalance.init(stored:)))
        }
    }
}
