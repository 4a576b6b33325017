import Foundation

/// The names and encodings both stores share: the column lists their row decoders read, the
/// columns of credentials, and how values SQL has no type for are held as text. The statements
/// both engines word alike are in `StoredStatements` and `AuditQueries`; only those whose text
/// the engines need to differ stay in each store.
public enum StoredSchema {
    /// The columns of `realms` that a realm is decoded from.
    public static let realmColumns = "id, name, description, subdomain, created_at, updated_at, public_leaderboard"
    /// The columns of `currencies` that a currency is decoded from.
    public static let currencyColumns = """
        realm_id, id, name, emoji, custom_emoji_url, metadata, is_default, archived_at, minimum_balance, \
        maximum_balance, transferable, created_at, updated_at
        """
    /// The columns of `members` that a member is decoded from.
    public static let memberColumns = """
        realm_id, id, username, discord_id, twitter_id, wallet, email, wallet_chain, wallet_name, metadata, \
        created_at, updated_at
        """
    /// The columns of `api_keys` that a key is decoded from.
    public static let keyColumns = "id, realm_id, name, scopes, secret_hash, created_at, revoked_at"
    /// The columns `Event(stored:)` reads.
    public static let eventColumns = "realm_id, seq, id, type, data, created_at"
    /// The columns `Webhook(stored:)` reads.
    public static let webhookColumns = """
        id, realm_id, url, types, enabled, secret, delivered_through, attempts, next_attempt_at, last_failed_seq, \
        created_at, updated_at
        """
    /// The columns of `webhook_attempts` that an attempt is decoded from.
    public static let deliveryAttemptColumns = """
        id, webhook_id, event_seq, event_id, attempt, outcome, status_code, error, duration_ms, attempted_at
        """
    /// The columns of `journal` that an entry is decoded from.
    public static let journalColumns = """
        seq, id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id, initiator_id, \
        kind, created_at
        """

    /// `columns` each prefixed with `alias.`, for a join.
    public static func qualified(_ columns: String, _ alias: String) -> String {
        columns.split(separator: ",").map { "\(alias)." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
    }

    /// The column holding a credential kind (a fixed name, never user input).
    public static func column(_ kind: Credentials.Kind) -> String {
        switch kind {
        case .username: "username"
        case .discordId: "discord_id"
        case .twitterId: "twitter_id"
        case .wallet: "wallet"
        case .email: "email"
        }
    }

    /// The column a credential kind is looked up and made unique by: the value's own for kinds
    /// that match exactly, and a column of `CredentialMatching.key`s (`email_key`, `wallet_key`)
    /// for those whose case does not matter. The value column keeps the spelling first given.
    public static func matchColumn(_ kind: Credentials.Kind) -> String {
        switch kind {
        case .wallet: "wallet_key"
        case .email: "email_key"
        case .username, .discordId, .twitterId: column(kind)
        }
    }

    /// The column a member search or account lookup matches: the credential's `matchColumn`, or `id`.
    public static func matchColumn(_ kind: SearchKind) -> String { kind.credential.map(matchColumn) ?? "id" }

    /// How an engine sorts `column` ignoring case in `direction` (`ASC` or `DESC`), with NULLs
    /// first ascending and last descending (SQLite's default).
    public typealias Caseless = (_ column: String, _ direction: String) -> String

    /// The ORDER BY terms of a member list: the field, then the id as tie-breaker, both in the
    /// query's direction. Ids begin with their creation second, so id order is join order.
    public static func order(_ query: MemberQuery, caseless: Caseless) -> String {
        let direction = keyword(query.order)
        let field: String? =
            switch query.sortField {
            case .joined: nil
            case .username: caseless("username", direction)
            case .updated: "updated_at \(direction)"
            }
        return [field, "id \(direction)"].compactMap { $0 }.joined(separator: ", ")
    }

    /// The ORDER BY terms of a currency list: the field, then the id as tie-breaker, both in the
    /// query's direction.
    public static func order(_ query: CurrencyQuery, caseless: Caseless) -> String {
        let direction = keyword(query.order)
        let field =
            switch query.sortField {
            case .createdAt: "created_at \(direction)"
            case .name: caseless("name", direction)
            case .updatedAt: "updated_at \(direction)"
            }
        return "\(field), id \(direction)"
    }

    /// `ASC` or `DESC`.
    public static func keyword(_ order: SortOrder) -> String { order == .ascending ? "ASC" : "DESC" }

    /// Scopes as stored: their names, sorted, joined by commas.
    public static func scopesText(_ scopes: Set<Scope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: ",")
    }

    /// Scopes read back from `scopesText`; a name this version does not know is skipped.
    public static func scopes(text: String) -> Set<Scope> {
        Set(text.split(separator: ",").compactMap { Scope(rawValue: String($0)) })
    }

    /// A stored JSON column read back; nil for NULL or text that is not JSON.
    public static func json(_ text: String?) -> JSONValue? { text.flatMap(JSONValue.init(text:)) }

    /// A LIKE (SQLite) or ILIKE (PostgreSQL) pattern matching text that contains `text`, with
    /// `%`, `_` and `\` escaped; use it with `ESCAPE '\'`.
    public static func likeContains(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }
}
