/// The SQL of ghost credentials, worded once for both engines: what a store reads before a
/// credential write (`CredentialReads`), the rows it writes, and the reads of `credentials/find`.
extension StoredSchema {
    /// The columns of `credentials` that a credential is decoded from.
    public static let credentialColumns = """
        realm_id, id, type, source, value, match_key, account_id, provider, username, chain, wallet_provider, \
        wallet_name, metadata, created_at, updated_at, linked_at
        """
}

extension GhostCredential {
    /// A credential from the columns `StoredSchema.credentialColumns` lists.
    public init(stored row: some StoredRow) throws {
        guard let kind = CredentialIdentity.Kind(rawValue: try row.text("type")) else {
            throw TallyError(.unavailable, "A stored credential has an unknown type.")
        }
        self.init(
            id: CredentialID(canonical: try row.text("id")), realmID: RealmID(canonical: try row.text("realm_id")),
            identity: CredentialIdentity(
                stored: kind, source: try row.text("source"), value: try row.text("value"),
                matchKey: try row.text("match_key")),
            accountID: try row.optionalText("account_id").map(MemberID.init(canonical:)),
            provider: try row.optionalText("provider"), username: try row.optionalText("username"),
            chain: try row.optionalText("chain"), walletProvider: try row.optionalText("wallet_provider"),
            walletName: try row.optionalText("wallet_name"),
            metadata: StoredSchema.json(try row.optionalText("metadata")),
            createdAtMilliseconds: try row.integer("created_at"), updatedAtMilliseconds: try row.integer("updated_at"),
            linkedAtMilliseconds: try row.optionalInteger("linked_at"))
    }
}

/// What a store reads, inside its write transaction, before `CredentialPlanner` plans a
/// credential write. Engines that lock rows lock the credentials read here, so two writes naming
/// one credential run one after the other.
public struct CredentialReads: Sendable {
    /// The realm's credentials for the write's identities (`credentialColumns`).
    public let credentials: SQLStatement?
    /// For each member credential kind among the identities, the members holding them: `id`,
    /// `match_key` (as `CredentialMatching` words it).
    public let owners: [(kind: Credentials.Kind, statement: SQLStatement)]
    /// The member a link or a creation names: one row (`id`) when it exists.
    public let account: SQLStatement?
    /// The non-zero balances of the named credential's holder: `currency_id`, `balance`.
    public let holderBalances: SQLStatement?
}

extension StoredStatements {
    /// The condition that `column` (a `members` boolean) is false.
    func isFalse(_ column: String) -> String { "NOT (\(dialect.isTrue(column)))" }

    /// What to read before `write` (its realm is checked first, apart).
    public func reads(for write: CredentialWrite) -> CredentialReads {
        let identities = write.identities
        var owners = [(kind: Credentials.Kind, statement: SQLStatement)]()
        if write.readsOwners {
            var byKind = [Credentials.Kind: [String]]()
            for identity in identities {
                if let kind = identity.kind.memberKind { byKind[kind, default: []].append(identity.matchKey) }
            }
            for kind in Credentials.Kind.allCases {
                guard let keys = byKind[kind] else { continue }
                var sql = statement()
                sql.text = """
                    SELECT id, \(StoredSchema.matchColumn(kind)) AS match_key FROM members
                    WHERE realm_id = \(sql.bind(write.realmID.rawValue)) AND \(isFalse("ghost"))
                    AND \(StoredSchema.matchColumn(kind)) IN (\(sql.bind(list: Set(keys))))
                    ORDER BY id
                    """
                owners.append((kind, sql))
            }
        }
        var account: SQLStatement?
        if let member = write.namedAccount {
            var sql = statement()
            sql.text = """
                SELECT id FROM members WHERE realm_id = \(sql.bind(write.realmID.rawValue))
                AND id = \(sql.bind(member.rawValue)) AND \(isFalse("ghost"))
                """
            account = sql
        }
        var holderBalances: SQLStatement?
        if write.readsHolderBalances, let identity = identities.first {
            var sql = statement()
            // Through the realm's currencies, so that each balance is one key lookup (see
            // `heldBalances`).
            sql.text = """
                SELECT b.currency_id, b.balance FROM credentials g
                CROSS JOIN currencies c CROSS JOIN balances b
                WHERE \(identityFilter(identity, in: write.realmID, alias: "g", &sql))
                AND c.realm_id = g.realm_id AND b.realm_id = g.realm_id AND b.currency_id = c.id
                AND b.member_id = g.id AND b.balance <> 0
                ORDER BY b.currency_id
                """
            holderBalances = sql
        }
        return CredentialReads(
            credentials: credentials(identities, in: write.realmID, locking: true), owners: owners, account: account,
            holderBalances: holderBalances)
    }

    /// The realm's credentials for `identities`, grouped by type and source so each group is one
    /// `IN` list on the unique index; nil when there are none. `locking` adds the engine's row
    /// lock.
    public func credentials(_ identities: [CredentialIdentity], in realmID: RealmID, locking: Bool) -> SQLStatement? {
        guard !identities.isEmpty else { return nil }
        var groups = [String: (kind: CredentialIdentity.Kind, source: String, keys: [String])]()
        var order = [String]()
        for identity in identities {
            let group = "\(identity.kind.rawValue)\u{0}\(identity.source)"
            if groups[group] == nil {
                groups[group] = (identity.kind, identity.source, [])
                order.append(group)
            }
            groups[group]!.keys.append(identity.matchKey)
        }
        var sql = statement()
        let realm = sql.bind(realmID.rawValue)
        let conditions = order.map { name in
            let group = groups[name]!
            return """
                (type = \(sql.bind(group.kind.rawValue)) AND source = \(sql.bind(group.source)) \
                AND match_key IN (\(sql.bind(list: Set(group.keys)))))
                """
        }
        sql.text = """
            SELECT \(StoredSchema.credentialColumns) FROM credentials
            WHERE realm_id = \(realm) AND (\(conditions.joined(separator: " OR ")))
            ORDER BY id\(locking ? dialect.lockRows : "")
            """
        return sql
    }

    private func identityFilter(
        _ identity: CredentialIdentity, in realmID: RealmID, alias: String, _ sql: inout SQLStatement
    ) -> String {
        """
        \(alias).realm_id = \(sql.bind(realmID.rawValue)) AND \(alias).type = \(sql.bind(identity.kind.rawValue)) \
        AND \(alias).source = \(sql.bind(identity.source)) AND \(alias).match_key = \(sql.bind(identity.matchKey))
        """
    }

    /// Inserts a credential and the balance holder that keeps its balances (same id).
    public func insert(_ credential: GhostCredential) -> [SQLStatement] {
        let holder = SQLStatement(
            dialect, insertInto: "members",
            [
                "realm_id": .text(credential.realmID.rawValue), "id": .text(credential.id.rawValue),
                "ghost": .boolean(true), "created_at": .integer(credential.createdAtMilliseconds),
                "updated_at": .integer(credential.createdAtMilliseconds),
            ])
        let identity = credential.identity
        let row = SQLStatement(
            dialect, insertInto: "credentials",
            [
                "realm_id": .text(credential.realmID.rawValue), "id": .text(credential.id.rawValue),
                "type": .text(identity.kind.rawValue), "source": .text(identity.source), "value": .text(identity.value),
                "match_key": .text(identity.matchKey), "account_id": .text(credential.accountID?.rawValue),
                "provider": .text(credential.provider), "username": .text(credential.username),
                "chain": .text(credential.chain), "wallet_provider": .text(credential.walletProvider),
                "wallet_name": .text(credential.walletName), "metadata": .text(credential.metadata?.text),
                "created_at": .integer(credential.createdAtMilliseconds),
                "updated_at": .integer(credential.updatedAtMilliseconds),
                "linked_at": .integer(credential.linkedAtMilliseconds),
            ])
        return [holder, row]
    }

    /// Writes the credential's link, metadata and update time as they now are.
    public func update(_ credential: GhostCredential) -> SQLStatement {
        SQLStatement(
            dialect, update: "credentials",
            set: [
                "account_id": .text(credential.accountID?.rawValue),
                "linked_at": .integer(credential.linkedAtMilliseconds),
                "metadata": .text(credential.metadata?.text), "updated_at": .integer(credential.updatedAtMilliseconds),
            ],
            where: ["realm_id": .text(credential.realmID.rawValue), "id": .text(credential.id.rawValue)])
    }

    /// Deletes the credential. Its balance holder stays, holding nothing, so that the journal
    /// entries naming it still name a row.
    public func delete(_ credential: GhostCredential) -> SQLStatement {
        var sql = statement()
        sql.text = """
            DELETE FROM credentials WHERE realm_id = \(sql.bind(credential.realmID.rawValue))
            AND id = \(sql.bind(credential.id.rawValue))
            """
        return sql
    }

    /// The balances `ids` hold, with their currencies, oldest currency first (rows read with
    /// `HeldBalance(stored:)` and `balance_member_id`). The realm's currencies come first (CROSS
    /// JOIN keeps that order on SQLite; PostgreSQL plans it as an inner join), so each balance is
    /// a lookup of its whole key; from the balances side a member's few balances are a scan of
    /// every balance in the realm (73 ms at 1,000,000 members on SQLite).
    public func heldBalances(ofIDs ids: [MemberID], in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT b.member_id AS balance_member_id, b.balance,
                \(StoredSchema.qualified(StoredSchema.currencyColumns, "c"))
            FROM currencies c CROSS JOIN balances b
            WHERE c.realm_id = \(sql.bind(realmID.rawValue)) AND b.realm_id = c.realm_id AND b.currency_id = c.id
            AND b.member_id IN (\(sql.bind(list: ids.map(\.rawValue))))
            ORDER BY c.created_at, c.id
            """
        return sql
    }
}
