/// The queries of `tally verify` that both engines run as written, each listing at most
/// `JournalAuditor.violationsListedMax` rows. A store runs them and feeds the rows to a
/// `JournalAuditor`; only the journal walk stays in each store, where the engines need different
/// plans to keep it on its index and its memory flat.
public enum AuditQueries {
    private static let listed = "LIMIT \(JournalAuditor.violationsListedMax)"

    /// For each kind of row that can point at nothing, the rows that do: `realm_id`, `member_id`,
    /// `currency_id` and `entry_id`, each text or NULL. The NULLs are cast, so that an engine
    /// that types its columns (PostgreSQL) reads them as text.
    public static let orphans: [(JournalAuditor.Orphan, String)] = [
        (
            .journalEntry,
            """
            SELECT j.realm_id, j.member_id, j.currency_id, j.id AS entry_id FROM journal j
            WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = j.realm_id AND m.id = j.member_id)
               OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = j.realm_id AND c.id = j.currency_id)
            \(listed)
            """
        ),
        (
            .balance,
            """
            SELECT b.realm_id, b.member_id, b.currency_id, CAST(NULL AS TEXT) AS entry_id FROM balances b
            WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = b.realm_id AND m.id = b.member_id)
               OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = b.realm_id AND c.id = b.currency_id)
            \(listed)
            """
        ),
        (
            .member,
            """
            SELECT m.realm_id, m.id AS member_id, CAST(NULL AS TEXT) AS currency_id, CAST(NULL AS TEXT) AS entry_id
            FROM members m
            WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = m.realm_id)
            \(listed)
            """
        ),
        (
            .currency,
            """
            SELECT c.realm_id, CAST(NULL AS TEXT) AS member_id, c.id AS currency_id, CAST(NULL AS TEXT) AS entry_id
            FROM currencies c
            WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = c.realm_id)
            \(listed)
            """
        ),
    ]

    /// Non-zero balances no journal entry explains, the entries found through `memberIndex`
    /// when the engine keeps one (`SQLDialect.memberIndex`), else through the journal's index.
    public static func unexplainedBalances(memberIndex: String? = nil) -> String {
        let entries =
            memberIndex.map {
                "\($0) x JOIN journal j ON j.seq = x.seq WHERE x.realm_id = b.realm_id AND x.member_id = b.member_id"
            } ?? "journal j WHERE j.realm_id = b.realm_id AND j.member_id = b.member_id"
        return """
            SELECT b.realm_id, b.member_id, b.currency_id, b.balance FROM balances b
            WHERE b.balance != 0 AND NOT EXISTS (SELECT 1 FROM \(entries) AND j.currency_id = b.currency_id)
            \(listed)
            """
    }

    /// Balances outside their currency's floor and ceiling.
    public static let balancesOutOfRange = """
        SELECT b.realm_id, b.member_id, b.currency_id, b.balance, c.minimum_balance, c.maximum_balance
        FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
        WHERE b.balance < c.minimum_balance OR (c.maximum_balance IS NOT NULL AND b.balance > c.maximum_balance)
        \(listed)
        """

    /// How many balance rows there are.
    public static let balanceCount = "SELECT count(*) FROM balances"

    /// Each figure a store keeps as writes commit (decision 0011) beside a count of its rows, where
    /// the two differ: `realm_id`, `currency_id` (NULL for a realm's members), `figure`, `counted`
    /// and `kept`. The journal is counted as far as `dialect.coveredJournal` allows, the part the
    /// kept activity covers.
    public static func keptCounts(_ dialect: SQLDialect) -> [String] {
        let capped = dialect.cappedSum
        let covered = dialect.coveredJournal.map { "WHERE j.\($0)" } ?? ""
        func differing(_ select: String) -> String {
            "SELECT * FROM (\(select)) AS figures WHERE counted <> kept \(listed)"
        }
        // The journal in one pass, grouped, beside the kept activity, for every currency. A debit is
        // negated as NUMERIC: the negation of Int64.min is out of PostgreSQL's bigint range.
        let activity = """
            WITH counted AS (
                SELECT j.realm_id, j.currency_id, count(*) AS changes,
                    \(capped("CASE WHEN j.amount > 0 THEN j.amount ELSE 0 END")) AS credited,
                    \(capped("CASE WHEN j.amount < 0 THEN -CAST(j.amount AS NUMERIC) ELSE 0 END")) AS debited
                FROM journal j \(covered) GROUP BY j.realm_id, j.currency_id
            ), kept AS (
                SELECT a.realm_id, a.currency_id, \(capped("a.changes")) AS changes,
                    \(capped("a.credited")) AS credited, \(capped("a.debited")) AS debited
                FROM activity a GROUP BY a.realm_id, a.currency_id
            ), pairs AS (
                SELECT c.realm_id, c.id AS currency_id,
                    coalesce(x.changes, 0) AS counted_changes, coalesce(k.changes, 0) AS kept_changes,
                    coalesce(x.credited, 0) AS counted_credited, coalesce(k.credited, 0) AS kept_credited,
                    coalesce(x.debited, 0) AS counted_debited, coalesce(k.debited, 0) AS kept_debited
                FROM currencies c
                LEFT JOIN counted x ON x.realm_id = c.realm_id AND x.currency_id = c.id
                LEFT JOIN kept k ON k.realm_id = c.realm_id AND k.currency_id = c.id
            )
            SELECT realm_id, currency_id, 'journal entries' AS figure, counted_changes AS counted,
                kept_changes AS kept FROM pairs
            UNION ALL
            SELECT realm_id, currency_id, 'points added', counted_credited, kept_credited FROM pairs
            UNION ALL
            SELECT realm_id, currency_id, 'points taken', counted_debited, kept_debited FROM pairs
            """
        return [
            differing(
                """
                SELECT r.id AS realm_id, CAST(NULL AS TEXT) AS currency_id, 'member count' AS figure,
                    (SELECT count(*) FROM members m WHERE m.realm_id = r.id AND NOT (\(dialect.isTrue("m.ghost")))) AS counted,
                    (SELECT \(capped("k.members")) FROM realm_counts k WHERE k.realm_id = r.id) AS kept
                FROM realms r
                """),
            differing(
                """
                SELECT c.realm_id, c.id AS currency_id, 'number of balances' AS figure,
                    (SELECT count(*) FROM balances b WHERE b.realm_id = c.realm_id AND b.currency_id = c.id) AS counted,
                    (SELECT \(capped("h.holders")) FROM holder_counts h
                        WHERE h.realm_id = c.realm_id AND h.currency_id = c.id) AS kept
                FROM currencies c
                """),
            differing(activity),
        ]
    }
}

extension JournalAuditor {
    /// A row of `AuditQueries.orphans`.
    public mutating func orphan(_ what: Orphan, row: some StoredRow) throws {
        orphan(
            what, realmID: try row.optionalText("realm_id"), memberID: try row.optionalText("member_id"),
            currencyID: try row.optionalText("currency_id"), entryID: try row.optionalText("entry_id"))
    }

    /// A row of `AuditQueries.unexplainedBalances`.
    public mutating func unexplainedBalance(row: some StoredRow) throws {
        unexplainedBalance(
            realmID: try row.text("realm_id"), memberID: try row.text("member_id"),
            currencyID: try row.text("currency_id"), balance: try row.integer("balance"))
    }

    /// A row of `AuditQueries.balancesOutOfRange`.
    public mutating func checkRange(row: some StoredRow) throws {
        checkRange(
            realmID: try row.text("realm_id"), memberID: try row.text("member_id"),
            currencyID: try row.text("currency_id"), balance: try row.integer("balance"),
            minimum: try row.integer("minimum_balance"), maximum: try row.optionalInteger("maximum_balance"))
    }
}
