import ArgumentParser
import Logging
import TallyCore
import TallyRepresentations

/// `tally realm create --name NAME`, `tally realm list`, and
/// `tally realm update --realm ID --public-leaderboard on|off`.
struct RealmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realm", abstract: "Manage realms.", subcommands: [Create.self, List.self, Update.self])

    /// A realm as the commands print it: the API's realm and whether its leaderboard is public.
    struct Line: Encodable {
        let realm: Realm

        enum CodingKeys: String, CodingKey { case publicLeaderboard }

        func encode(to encoder: any Encoder) throws {
            try Representation.RealmBody(realm).encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(realm.publicLeaderboard, forKey: .publicLeaderboard)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a realm and print it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's name.") var name: String

        func run() async throws {
            try await runReportingErrors {
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(Line(realm: try await store.createRealm(name: name)))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every realm, one JSON object per line.")
        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await runReportingErrors {
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.jsonLines(try await store.realms().map(Line.init))
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a realm's settings and print it.",
            discussion: """
                --public-leaderboard on serves the realm's leaderboards to anyone, without a key, at \
                /leaderboard/REALM_ID: usernames and balances only (docs/CONSOLE.md). Off by default.
                """)
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Option(help: "Serve the realm's public leaderboard page: on or off.") var publicLeaderboard: String?

        func run() async throws {
            try await runReportingErrors {
                let realmID = try parseRealm(realm)
                guard let setting = publicLeaderboard else {
                    throw TallyError.validation("Nothing to change: give --public-leaderboard on or off.")
                }
                let on: Bool
                switch setting.lowercased() {
                case "on", "true", "yes": on = true
                case "off", "false", "no": on = false
                default: throw TallyError.validation("--public-leaderboard must be on or off; got '\(setting)'.")
                }
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(Line(realm: try await store.setPublicLeaderboard(on, in: realmID)))
                }
            }
        }
    }
}
