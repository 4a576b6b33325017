/// The rules of ghost credentials, as pure functions of what a store read. Every store runs the
/// same steps, so both backends agree:
///
/// 1. the store reads `StoredStatements.reads(for:)` into `Findings` (locking the credentials
///    where the engine locks rows);
/// 2. `plan` decides, or throws the first rejection before anything is written;
/// 3. the store runs `before`, applies `batch` (through `BatchPlanner`, as any batch), runs
///    `after`, and returns `result`.
///
/// Addressing: a change addressed to an identity goes to the member its credential is linked to;
/// else to the credential's own balances; with no credential, to a new credential, linked to the
/// member holding that identity as its own credential if there is one, else a ghost. A transfer's
/// sender must already be a credential or a member's credential.
public enum CredentialPlanner {
    /// What a store read for a credential write.
    public struct Findings: Sendable {
        /// The realm's credentials for the write's identities.
        public var credentials: [CredentialIdentity: GhostCredential] = [:]
        /// For each member credential kind, the oldest member holding each match key.
        public var owners: [Credentials.Kind: [String: MemberID]] = [:]
        /// True when the member the write names exists (and is not a balance holder).
        public var accountExists = false
        /// The non-zero balances of the named credential's own holder.
        public var holderBalances: [(currencyID: CurrencyID, balance: Int64)] = []

        /// Nothing found yet.
        public init() {}

        /// Adds credentials read with `StoredSchema.credentialColumns`.
        public mutating func addCredentials(_ rows: [some StoredRow]) throws {
            for row in rows {
                let credential = try GhostCredential(stored: row)
                credentials[credential.identity] = credential
            }
        }

        /// Adds the owners of `kind` read by `CredentialReads.owners` (oldest first).
        public mutating func addOwners(_ kind: Credentials.Kind, _ rows: [some StoredRow]) throws {
            for row in rows {
                let key = try row.text("match_key")
                if owners[kind, default: [:]][key] == nil {
                    owners[kind, default: [:]][key] = MemberID(canonical: try row.text("id"))
                }
            }
        }

        /// Reads the rows of `CredentialReads.holderBalances`.
        public mutating func addHolderBalances(_ rows: [some StoredRow]) throws {
            for row in rows {
                holderBalances.append(
                    (CurrencyID(canonical: try row.text("currency_id")), try row.integer("balance")))
            }
        }

        /// The member holding `identity` as its own credential.
        func owner(of identity: CredentialIdentity) -> MemberID? {
            identity.kind.memberKind.flatMap { owners[$0]?[identity.matchKey] }
        }
    }

    /// What a store writes for a credential write, in order.
    public struct Plan: Sendable {
        /// Statements to run first (new credentials and their balance holders).
        public let before: [SQLStatement]
        /// The balance changes, applied as any batch; nil when there are none.
        public let batch: Batch?
        /// Statements to run after the batch (a link, a metadata change, a deletion).
        public let after: [SQLStatement]
        let outcome: @Sendable (BatchReceipt?) -> LedgerWriteResult

        /// The write's result, from the batch's receipt (nil when there was no batch).
        public func result(_ receipt: BatchReceipt?) -> LedgerWriteResult { outcome(receipt) }
    }

    /// Plans `write` from what was found. `makeID` names new credentials; `now` stamps them.
    public static func plan(
        _ write: CredentialWrite, _ found: Findings, statements: StoredStatements,
        makeID: () -> CredentialID, now: Int64
    ) throws(TallyError) -> Plan {
        let realm = write.realmID
        switch write {
        case .create(let draft, _):
            if found.credentials[draft.identity] != nil { throw .credentialExists(draft.identity) }
            let owner = found.owner(of: draft.identity)
            if let account = draft.accountID {
                guard found.accountExists else { throw .notFound(account, in: realm) }
                if let owner, owner != account { throw .credentialOwned(draft.identity, by: owner) }
            }
            let account = draft.accountID ?? owner
            let credential = GhostCredential(
                id: makeID(), realmID: realm, identity: draft.identity, accountID: account, provider: draft.provider,
                username: draft.username, chain: draft.chain, walletProvider: draft.walletProvider,
                walletName: draft.walletName, metadata: draft.metadata, createdAtMilliseconds: now,
                linkedAtMilliseconds: account == nil ? nil : now)
            return Plan(before: statements.insert(credential), batch: nil, after: []) { _ in .credential(credential) }

        case .change(let changes):
            var addressed = found.credentials
            var created = [GhostCredential]()
            for identity in changes.identities where addressed[identity] == nil {
                let owner = found.owner(of: identity)
                if owner == nil, changes.mustExist.contains(identity) {
                    throw .credentialNotFound(identity, in: realm)
                }
                let credential = GhostCredential(
                    id: makeID(), realmID: realm, identity: identity, accountID: owner,
                    chain: identity.kind == .wallet && CredentialMatching.isEVMAddress(identity.value) ? "eip155" : nil,
                    createdAtMilliseconds: now, linkedAtMilliseconds: owner == nil ? nil : now)
                addressed[identity] = credential
                created.append(credential)
            }
            // Safe: every identity of the batch was found or created above.
            let perChange = changes.changes.map { addressed[$0.identity]! }
            if changes.kind == .transfer, perChange[0].addressee == perChange[1].addressee {
                throw .validation(
                    "Both credentials send to member \(perChange[0].addressee); a member cannot transfer to itself.")
            }
            let batch = try Batch(
                realmID: realm,
                changes: zip(changes.changes, perChange).map { change, credential in
                    Change(memberID: credential.addressee, amount: change.amount, currencyID: change.currencyID)
                },
                initiatorID: changes.initiatorID, kind: changes.kind, reachesGhosts: true,
                limits: Limits(batchSizeMax: max(Limits.standard.batchSizeMax, changes.changes.count)))
            return Plan(before: created.flatMap(statements.insert), batch: batch, after: []) { receipt in
                // Safe: a plan with a batch is finished with its receipt.
                .credentialChanges(CredentialReceipt(receipt: receipt!, credentials: perChange))
            }

        case .link(let identity, let account, _, let initiatorID):
            guard var credential = found.credentials[identity] else { throw .credentialNotFound(identity, in: realm) }
            guard found.accountExists else { throw .notFound(account, in: realm) }
            if let linked = credential.accountID {
                guard linked == account else { throw .credentialLinked(identity, to: linked) }
                let unchanged = credential
                return Plan(before: [], batch: nil, after: []) { _ in .credential(unchanged) }
            }
            var moves = [Change]()
            for (currencyID, balance) in found.holderBalances {
                moves.append(Change(memberID: credential.holderID, amount: -balance, currencyID: currencyID))
                moves.append(Change(memberID: account, amount: balance, currencyID: currencyID))
            }
            let batch =
                moves.isEmpty
                ? nil
                : try Batch(
                    realmID: realm, changes: moves, initiatorID: initiatorID, kind: .link, reachesGhosts: true,
                    limits: Limits(batchSizeMax: max(Limits.standard.batchSizeMax, moves.count)))
            credential.accountID = account
            credential.linkedAtMilliseconds = now
            credential.updatedAtMilliseconds = now
            let linked = credential
            return Plan(before: [], batch: batch, after: [statements.update(linked)]) { _ in .credential(linked) }

        case .delete(let identity, _):
            guard let credential = found.credentials[identity] else { throw .credentialNotFound(identity, in: realm) }
            guard found.holderBalances.isEmpty else { throw .cannotDeleteWithBalances(identity) }
            return Plan(before: [], batch: nil, after: [statements.delete(credential)]) { _ in .done }

        case .setMetadata(let metadata, let identity, _):
            guard var credential = found.credentials[identity] else { throw .credentialNotFound(identity, in: realm) }
            credential.metadata = metadata
            credential.updatedAtMilliseconds = now
            let changed = credential
            return Plan(before: [], batch: nil, after: [statements.update(changed)]) { _ in .credential(changed) }
        }
    }
}
