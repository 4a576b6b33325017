/// The SQL of `tally export`, worded once for both engines: each kind of record read in the
/// order `LedgerExporter` fixes, a page at a time after a keyset cursor (or whole, for an engine
/// that streams one statement), and the count that progress is estimated from. `ExportReads`
/// says which statement comes next.
extension StoredSchema {
    /// The columns of `balances` that a stored balance is decoded from.
    public static let balanceColumns = "realm_id, member_id, currency_id, balance, updated_at"
}

extension StoredBalance {
    /// A balance from the columns `StoredSchema.balanceColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            realmID: RealmID(canonical: try row.text("realm_id")),
            memberID: MemberID(canonical: try row.text("member_id")),
            currencyID: CurrencyID(canonical: try row.text("currency_id")), balance: try row.integer("balance"),
            updatedAtMilliseconds: try row.integer("updated_at"))
    }
}

extension StoredStatements {
    /// The condition on `members` that a row is the balance holder of a deleted ghost credential.
    var orphanedHolder: String {
        """
        \(dialect.isTrue("ghost")) AND NOT EXISTS (
            SELECT 1 FROM credentials c WHERE c.realm_id = members.realm_id AND c.id = members.id)
        """
    }

    /// The first realm in id order after `after` (the first of all for nil).
    public func exportRealm(after: RealmID?) -> SQLStatement {
        var sql = statement()
        let filter = after.map { "WHERE id > \(sql.bind($0.rawValue)) " } ?? ""
        sql.text = "SELECT \(StoredSchema.realmColumns) FROM realms \(filter)ORDER BY id LIMIT 1"
        return sql
    }

    /// The rows of `part` in the realm, in the export's order, after `cursor` (from the first for
    /// nil), at most `limit` of them (all for nil). Balances read whole this way are sorted by
    /// the engine; paged, they are read by spans of members instead (`exportBalanceSpan`).
    public func export(_ part: ExportPart, in realmID: RealmID, after cursor: ExportCursor?, limit: Int?)
        -> SQLStatement
    {
        var sql = statement()
        var conditions = ["realm_id = \(sql.bind(realmID.rawValue))"]
        let (table, columns, order): (String, String, String)
        switch part {
        case .currencies: (table, columns, order) = ("currencies", StoredSchema.currencyColumns, "id")
        case .members:
            (table, columns, order) = ("members", StoredSchema.memberColumns, "id")
            conditions.append(isFalse("ghost"))
        case .credentials: (table, columns, order) = ("credentials", StoredSchema.credentialColumns, "id")
        case .holders:
            (table, columns, order) = ("members", "realm_id, id, created_at", "id")
            conditions.append(orphanedHolder)
        case .entries:
            (table, columns, order) = ("journal", StoredSchema.journalColumns, "seq")
            if let covered = dialect.coveredJournal { conditions.append(covered) }
        case .balances: (table, columns, order) = ("balances", StoredSchema.balanceColumns, "member_id, currency_id")
        case .keys: (table, columns, order) = ("api_keys", StoredSchema.keyColumns, "id")
        }
        switch cursor {
        case .id(let id): conditions.append("\(part == .balances ? "member_id" : "id") > \(sql.bind(id))")
        case .sequence(let sequence): conditions.append("seq > \(sql.bind(sequence))")
        case nil: break
        }
        sql.text = """
            SELECT \(columns) FROM \(table) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order)
            """
        if let limit { sql.text += " LIMIT \(sql.bind(Int64(limit)))" }
        return sql
    }

    /// The admin keys (no realm) by id, after `after`, at most `limit` of them (all for nil).
    public func exportAdminKeys(after: KeyID?, limit: Int?) -> SQLStatement {
        var sql = statement()
        var filter = "realm_id IS NULL"
        if let after { filter += " AND id > \(sql.bind(after.rawValue))" }
        sql.text = "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE \(filter) ORDER BY id"
        if let limit { sql.text += " LIMIT \(sql.bind(Int64(limit)))" }
        return sql
    }

    /// One row, `span_end`: the last of the next `members` balance holders of the realm (members
    /// and ghost credentials' holders alike) after `after`, in id order; NULL when none is left.
    public func exportBalanceSpan(in realmID: RealmID, after: MemberID?, members: Int) -> SQLStatement {
        var sql = statement()
        var filter = "realm_id = \(sql.bind(realmID.rawValue))"
        if let after { filter += " AND id > \(sql.bind(after.rawValue))" }
        sql.text = """
            SELECT max(id) AS span_end FROM (
                SELECT id FROM members WHERE \(filter) ORDER BY id LIMIT \(sql.bind(Int64(members)))
            ) span
            """
        return sql
    }

    /// The realm's balances of the members after `after` up to and including `through`, by member
    /// id then currency id. The condition on the currency (every balance's currency is the
    /// realm's) lets both engines read the span from the primary key, one range per currency,
    /// rather than the whole realm.
    public func exportBalances(in realmID: RealmID, after: MemberID?, through: MemberID) -> SQLStatement {
        var sql = statement()
        let realm = sql.bind(realmID.rawValue)
        var filter = """
            realm_id = \(realm) AND currency_id IN (SELECT id FROM currencies WHERE realm_id = \(realm)) \
            AND member_id <= \(sql.bind(through.rawValue))
            """
        if let after { filter += " AND member_id > \(sql.bind(after.rawValue))" }
        sql.text = """
            SELECT \(StoredSchema.balanceColumns) FROM balances WHERE \(filter) ORDER BY member_id, currency_id
            """
        return sql
    }

    /// One row, `records`: how many records `selection` holds now, for an estimate of an
    /// export's progress (an export reads its own snapshot, which may differ by the writes in
    /// between). A selected realm that does not exist counts nothing.
    public func exportCount(_ selection: ExportSelection) -> SQLStatement {
        var sql = statement()
        let realm = selection.realm.map { sql.bind($0.rawValue) }
        func count(_ table: String, _ conditions: [String]) -> String {
            let all = (realm.map { ["realm_id = \($0)"] } ?? []) + conditions
            return "(SELECT count(*) FROM \(table)\(all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")))"
        }
        var terms = [
            realm.map { "(SELECT count(*) FROM realms WHERE id = \($0))" } ?? "(SELECT count(*) FROM realms)",
            count("currencies", []), count("members", [isFalse("ghost")]), count("credentials", []),
            count("members", [orphanedHolder]),
            count("balances", []),
        ]
        if selection.journal { terms.append(count("journal", dialect.coveredJournal.map { [$0] } ?? [])) }
        if selection.keys { terms.append(count("api_keys", [])) }
        sql.text = "SELECT \(terms.joined(separator: " + ")) AS records"
        return sql
    }
}
