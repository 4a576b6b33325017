import ArgumentParser
import Logging
import TallyCore
import TallyRepresentations

/// `tally key create|revoke|list`.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage API keys.", subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print its secret (shown only this once).")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm the key acts on.") var realm: String?
        @Flag(help: "Create an admin key, which may create realms and act on every realm.") var admin = false
        @Option(
            help:
                "Comma-separated scopes (default: all). Known: \(Scope.allCases.map(\.rawValue).joined(separator: ","))"
        )
        var scopes: String?
        @Option(help: "A label for the key.") var name: String?

        func validate() throws {
            if admin == (realm != nil) { throw ValidationError("Give exactly one of --realm ID or --admin.") }
            if admin && scopes != nil { throw ValidationError("An admin key has every scope; drop --scopes.") }
        }

        func run() async throws {
            try await runReportingErrors {
                let realmID = try realm.map(parseRealm)
                let scopeSet = try scopes.map { text throws(TallyError) in try Scope.parseList(text) }
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    let issued = try await store.issueKey(
                        realm: realmID, name: name, scopes: scopeSet, ids: IDGenerator())
                    Output.json(Representation.KeyBody(issued.key, secret: issued.secret.text))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; it stops working at once.")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            try await runReportingErrors {
                guard let keyID = KeyID(id) else {
                    throw TallyError.validation("The key id must be 24 hexadecimal digits.")
                }
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(Representation.KeyBody(try await store.revokeKey(keyID)))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print keys (never their secrets), one per line.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "Only this realm's keys.") var realm: String?

        func run() async throws {
            try await runReportingErrors {
                let realmID = try realm.map(parseRealm)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.jsonLines(try await store.keys(in: realmID).map { Representation.KeyBody($0) })
                }
            }
        }
    }
}
