import TallyCore

/// Credentials match the way people type them (`CredentialMatching`): emails and EVM addresses
/// without regard to case, everything else exactly; answers show the spelling first given. And a
/// wallet keeps the chain and application it was given with.
enum CredentialCases {
    /// An EIP-55 checksummed address, and the same address as people often type it.
    static let evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    static let evmLower = evm.lowercased()
    /// A Solana (base58) address: its case is part of the address.
    static let base58 = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "emails and EVM wallets match in any case and answer as first given; base58 matches exactly") {
            factory in
            let f = try await Fixture.make(factory, members: 0)
            let erin = try await f.store.createMember(
                Credentials(username: "Erin", wallet: evm, email: "Erin@Example.com"), in: f.realm.id)
            let spellings: [(SearchKind, String)] = [
                (.wallet, evmLower), (.wallet, evm.uppercased()), (.email, "erin@example.com"),
                (.email, "ERIN@EXAMPLE.COM"),
            ]
            for (kind, value) in spellings {
                let found = try await f.store.searchMembers(
                    in: f.realm.id, kind: kind, values: [value], page: try PageRequest())
                try expectEqual(found.items.map(\.member.id), [erin.id], "search \(kind) \(value)")
                try expectEqual(found.items.first?.member.credentials.wallet, evm, "the wallet as first given")
                try expectEqual(found.items.first?.member.credentials.email, "Erin@Example.com", "the email as given")
                try expectEqual(
                    try await f.store.findAccount(kind: kind, value: value, in: f.realm.id), erin.id, "find \(value)")
                try expectEqual(
                    try await f.store.findAccount(kind: kind, value: value, in: nil), erin.id, "find \(value) anywhere")
            }
            let wallet = try await expectTallyError(.conflict, "the same EVM address in lower case") {
                _ = try await f.store.createMember(Credentials(wallet: evmLower), in: f.realm.id)
            }
            try expectEqual(
                wallet, .credentialTaken(.wallet, of: Credentials(wallet: evmLower), row: 0, rows: 1),
                "the conflict names the wallet")
            let email = try await expectTallyError(.conflict, "the same email in lower case") {
                _ = try await f.store.createMember(Credentials(email: "erin@example.com"), in: f.realm.id)
            }
            try expectEqual(
                email, .credentialTaken(.email, of: Credentials(email: "erin@example.com"), row: 0, rows: 1),
                "the conflict names the email")
            let other = try await f.store.createRealm(name: "Other")
            _ = try await f.store.createMember(Credentials(wallet: evmLower, email: "erin@example.com"), in: other.id)

            let solana = try await f.store.createMember(Credentials(wallet: base58), in: f.realm.id)
            let lowered = try await f.store.searchMembers(
                in: f.realm.id, kind: .wallet, values: [base58.lowercased()], page: try PageRequest())
            try expectEqual(lowered.total, 0, "a base58 address does not match its lower-cased spelling")
            try expectEqual(
                try await f.store.findAccount(kind: .wallet, value: base58.lowercased(), in: f.realm.id), nil,
                "nor is it found by it")
            try expectEqual(
                try await f.store.findAccount(kind: .wallet, value: base58, in: f.realm.id), solana.id,
                "found by its own spelling")
            let twin = try await f.store.createMember(Credentials(wallet: base58.lowercased()), in: f.realm.id)
            try expectTrue(twin.id != solana.id, "the lower-cased base58 address is another wallet")
            let usernames = try await f.store.searchMembers(
                in: f.realm.id, kind: .username, values: ["erin"], page: try PageRequest())
            try expectEqual(usernames.total, 0, "usernames match exactly")
            _ = try await f.store.createMember(Credentials(username: "erin"), in: f.realm.id)
        },
        .init(name: "an import refuses a case duplicate within its rows and of an existing member") { factory in
            let f = try await Fixture.make(factory, members: 0)
            _ = try await f.store.createMember(Credentials(email: "Erin@Example.com"), in: f.realm.id)
            let existing = try await expectTallyError(.conflict, "an existing member's email in another case") {
                _ = try await MemberImports.load(
                    [Credentials(username: "fine"), Credentials(email: "ERIN@example.com")], into: f.realm.id,
                    store: f.store)
            }
            try expectTrue(
                existing.message.contains("Line 3") && existing.message.contains("email 'ERIN@example.com'"),
                "the message names the row's line and the email: \(existing.message)")
            let within = try await expectTallyError(.conflict, "one EVM address twice in the file") {
                _ = try await MemberImports.load(
                    [Credentials(wallet: evm), Credentials(username: "x"), Credentials(wallet: evmLower)],
                    into: f.realm.id, store: f.store)
            }
            try expectTrue(
                within.message.contains("Line 4") && within.message.contains("wallet"),
                "the message names the row's line and the wallet: \(within.message)")
            // Past the chunk size of every bulk insert: the clash is found there too, and named.
            var rows = (0..<1_200).map { Credentials(email: "Bulk\($0)@Example.com") }
            rows[1_150].email = "bulk7@example.COM"
            let bulk = try await expectTallyError(.conflict, "a case duplicate deep in a large import") {
                _ = try await MemberImports.load(rows, into: f.realm.id, store: f.store)
            }
            try expectTrue(bulk.message.contains("Line 1152"), "the row's line is named: \(bulk.message)")
            try expectEqual(try await f.store.members(in: f.realm.id, limit: 10).count, 1, "no failed import stays")
            rows[1_150].email = "bulk1150@example.com"
            let imported = try await MemberImports.load(rows, into: f.realm.id, store: f.store)
            try expectEqual(imported.count, 1_200, "a clean import creates every row")
            let found = try await f.store.searchMembers(
                in: f.realm.id, kind: .email, values: ["bulk1199@example.com", "BULK0@EXAMPLE.COM"],
                page: try PageRequest())
            try expectEqual(
                Set(found.items.compactMap(\.member.credentials.email)), ["Bulk1199@Example.com", "Bulk0@Example.com"],
                "imported emails match in any case and read back as given")
        },
        .init(name: "a wallet keeps the chain and application it was given with") { factory in
            let f = try await Fixture.make(factory, members: 0)
            let given = Credentials(wallet: base58, walletChain: "solana", walletName: "phantom")
            let created = try await f.store.createMember(given, in: f.realm.id)
            try expectEqual(created.credentials, given, "answered as given")
            try expectEqual(
                try await f.store.memberDetails(created.id, in: f.realm.id).member.credentials, given, "stored as given"
            )
            let imported = try await MemberImports.load(
                [Credentials(wallet: evm, walletName: "metamask"), Credentials(username: "plain")], into: f.realm.id,
                store: f.store)
            let read = try await f.store.memberDetails(imported[0].id, in: f.realm.id).member.credentials
            try expectEqual(read.walletName, "metamask", "an imported wallet's application")
            try expectEqual(read.walletChain, nil, "no chain given, none stored")
            try expectEqual(read.resolvedWalletChain, Credentials.evmChain, "an EVM address is shown on eip155")
            _ = try await expectTallyError(.validation, "a chain without a wallet") {
                _ = try await f.store.createMember(Credentials(username: "x", walletChain: "eip155"), in: f.realm.id)
            }
        },
    ]
}

/// Members as a database at migration `0001-foundation` may hold them: emails and wallets that
/// differ only in case (the exact unique indexes allowed them), and values whose match keys are
/// easy to get wrong. A store's own tests write `insertStatements` into such a database, open it
/// with the current code (which migrates it), and call `check`.
public enum LegacyCredentials {
    /// One member row, as inserted.
    public struct Row: Sendable {
        public let realm: String
        public let id: String
        public let createdAt: Int64
        public let wallet: String?
        public let email: String?
    }

    /// The match keys a member row holds.
    public struct Keys: Sendable, Equatable, CustomStringConvertible {
        public let wallet: String?
        public let email: String?

        /// Keys as read from the `wallet_key` and `email_key` columns.
        public init(wallet: String?, email: String?) {
            self.wallet = wallet
            self.email = email
        }

        public var description: String { "(wallet: \(wallet ?? "NULL"), email: \(email ?? "NULL"))" }
    }

    public static let realm = "aaaaaaaaaaaaaaaaaaaaaaaa"
    public static let otherRealm = "bbbbbbbbbbbbbbbbbbbbbbbb"

    static func id(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        return String(repeating: "0", count: 24 - digits.count) + digits
    }

    /// The rows. Member 3 joined first although its id sorts after members 1 and 2, so it keeps
    /// the email key; member 1 keeps the wallet key, member 2 neither.
    public static let rows: [Row] = [
        Row(realm: realm, id: id(1), createdAt: 1_000, wallet: CredentialCases.evm, email: "Erin@Example.com"),
        Row(realm: realm, id: id(2), createdAt: 2_000, wallet: CredentialCases.evmLower, email: "erin@example.com"),
        Row(realm: realm, id: id(3), createdAt: 500, wallet: nil, email: "ERIN@EXAMPLE.COM"),
        // 0X prefix, upper case: an EVM address all the same.
        Row(
            realm: realm, id: id(4), createdAt: 3_000, wallet: "0XAB5801A7D398351B8BE11C439E05C5B3259AEC9B",
            email: nil),
        // 41 hex digits: not an EVM address, so it keeps its case.
        Row(
            realm: realm, id: id(5), createdAt: 3_000, wallet: "0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B1",
            email: nil),
        Row(realm: realm, id: id(6), createdAt: 3_000, wallet: CredentialCases.base58, email: "ÉLODIE@Exämple.com"),
        Row(
            realm: realm, id: id(7), createdAt: 4_000, wallet: CredentialCases.base58.lowercased(),
            email: "élodie@exämple.com"),
        Row(realm: realm, id: id(8), createdAt: 4_000, wallet: nil, email: "İnci@Straße.example"),
        Row(realm: realm, id: id(9), createdAt: 4_000, wallet: nil, email: nil),
        Row(
            realm: otherRealm, id: id(10), createdAt: 5_000, wallet: CredentialCases.evmLower, email: "erin@example.com"
        ),
    ]

    /// The keys each row must hold once migrated: `CredentialMatching.key` of its values, except
    /// that of the rows of a realm sharing a key only the one that joined first (then by id)
    /// keeps it; the others hold NULL.
    public static var expectedKeys: [String: Keys] {
        var taken = Set<[String]>()
        var keys = [String: Keys]()
        for row in rows.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) {
            func keep(_ kind: Credentials.Kind, _ value: String?) -> String? {
                guard let value else { return nil }
                let key = CredentialMatching.key(kind, value)
                return taken.insert([row.realm, kind.rawValue, key]).inserted ? key : nil
            }
            keys[row.id] = Keys(wallet: keep(.wallet, row.wallet), email: keep(.email, row.email))
        }
        return keys
    }

    /// SQL both engines accept that writes the realms and `rows` into a database at `0001-foundation`.
    public static var insertStatements: [String] {
        func literal(_ value: String?) -> String {
            value.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" } ?? "NULL"
        }
        return [realm, otherRealm].map {
            "INSERT INTO realms (id, name, description, created_at, updated_at) VALUES ('\($0)', 'Legacy', '', 0, 0)"
        }
            + rows.map { row in
                """
                INSERT INTO members (realm_id, id, wallet, email, created_at, updated_at)
                VALUES ('\(row.realm)', '\(row.id)', \(literal(row.wallet)), \(literal(row.email)), \(row.createdAt), \(row.createdAt))
                """
            }
    }

    /// Checks a store opened on such a database, given the keys it stored (by member id): every
    /// member is kept as it was, each key is the expected one, and lookups and new members
    /// follow the keys.
    public static func check(_ store: any LedgerStore, storedKeys: [String: Keys]) async throws {
        for (id, expected) in expectedKeys.sorted(by: { $0.key < $1.key }) {
            try expectEqual(storedKeys[id], expected, "the keys of member \(id)")
        }
        try expectEqual(storedKeys.count, rows.count, "every member has its keys")
        for row in rows {
            let member = try await store.memberDetails(MemberID(row.id)!, in: RealmID(row.realm)!).member
            try expectEqual(member.credentials.wallet, row.wallet, "member \(row.id)'s wallet kept")
            try expectEqual(member.credentials.email, row.email, "member \(row.id)'s email kept")
        }
        // The member counts kept since the overview's migration start from the members there were.
        for realm in Set(rows.map(\.realm)).sorted() {
            let overview = try await store.overview(of: RealmID(realm)!, since: 0)
            try expectEqual(
                overview.members, Int64(rows.filter { $0.realm == realm }.count), "realm \(realm)'s member count")
        }
        let realmID = RealmID(realm)!
        let erin = try await store.searchMembers(
            in: realmID, kind: .email, values: ["erin@example.com"], page: try PageRequest())
        try expectEqual(erin.items.map(\.member.id.rawValue), [id(3)], "the oldest keeps the email")
        try expectEqual(
            try await store.findAccount(kind: .wallet, value: CredentialCases.evm.uppercased(), in: realmID)?.rawValue,
            id(1), "the oldest keeps the wallet")
        try expectEqual(
            try await store.findAccount(
                kind: .wallet, value: "0xab5801a7d398351b8be11c439e05c5b3259aec9b1", in: realmID)?.rawValue,
            nil, "41 hex digits are not an EVM address and match exactly")
        try expectEqual(
            try await store.findAccount(
                kind: .wallet, value: "0xab5801a7d398351b8be11c439e05c5b3259aec9b", in: realmID)?.rawValue,
            id(4), "an 0X address is found by its 0x spelling")
        try expectEqual(
            try await store.findAccount(kind: .wallet, value: CredentialCases.base58.lowercased(), in: realmID)?
                .rawValue, id(7), "base58 addresses stay apart")
        try expectEqual(
            try await store.findAccount(kind: .email, value: "élodie@EXÄMPLE.com", in: realmID)?.rawValue, id(6),
            "unicode emails match in any case")
        _ = try await expectTallyError(.conflict, "a new member with a kept email in another case") {
            _ = try await store.createMember(Credentials(email: "eRIN@example.com"), in: realmID)
        }
        _ = try await expectTallyError(.conflict, "a new member with a kept wallet in another case") {
            _ = try await store.createMember(Credentials(wallet: CredentialCases.evm.lowercased()), in: realmID)
        }
        let fresh = try await store.createMember(Credentials(email: "new@example.com"), in: realmID)
        try expectEqual(
            try await store.findAccount(kind: .email, value: "NEW@example.com", in: realmID), fresh.id,
            "members created after the migration match too")
        let report = try await store.verify { _ in }
        try expectTrue(report.isClean, "verify is clean: \(report.violations)")
    }
}
