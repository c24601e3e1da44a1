import ArgumentParser
import DocketCore
import DocketPlugins
import DocketServices
import DocketWorkspace
import DocketYAML
import Foundation

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Lists the department plugins found, or checks that one speaks the protocol.",
        discussion: """
            Plugins are folders with a plugin.yaml, found in the plugin folders docket.yaml names \
            (outside a workspace: Plugins/ of the current folder) and in each folder of $DOCKET_PLUGIN_PATH (separated by ':'). The isolation in force is \
            shown; set $DOCKET_PLUGIN_ISOLATION to 'process' or 'bubblewrap' to choose. Bubblewrap \
            asked for where it does not work stops every plugin (they never run unconfined). A \
            plugin gets the variables its 'env:' names, except Docket's own and names that look \
            like secrets; $DOCKET_PLUGIN_ALLOW_ENV (names separated by ',') lets the latter through. \
            A plugin.yaml ('isolation: bubblewrap') or a workflow ('plugins: {isolation: bubblewrap}', \
            kept in each case's snapshot) may require bubblewrap: their plugin steps then never run \
            in process mode, and fail with what to do where bwrap does not work.
            """,
        subcommands: [List.self, Check.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the plugins (name, version, folder, protocol).")

        @OptionGroup var options: LookupOptions

        func run() throws {
            let found = StepTypes.discover(in: (try? options.workspace()) ?? nil, environment: RootOptions.environment,
                                           currentFolder: RootOptions.currentFolder)
            let isolation = found.isolation
            if found.plugins.isEmpty {
                let searched = found.pluginFolders.map { TerminalText.escaped($0.path) }
                print("no plugins found (searched \(searched.joined(separator: ", ")))")
            } else {
                print(Table.render([["NAME", "VERSION", "PROTOCOL", "FOLDER", "DESCRIPTION"]] + found.plugins.map {
                    [$0.name, $0.version, String($0.protocolVersion), $0.folder.path, $0.description]
                }))
            }
            print("isolation: \(isolation.summary(environment: ProcessInfo.processInfo.environment))")
            if let problem = isolation.unavailable(environment: ProcessInfo.processInfo.environment) { printErr("docket: warning: \(problem)") }
            for problem in found.problems { printErr("docket: \(problem)") }
            if !found.problems.isEmpty { throw Reporting.exit(.badInput) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs a plugin on a sample request and reports whether it speaks the protocol.",
            discussion: """
                The sample 'with:' comes from 'sample:' in plugin.yaml, else from the declared defaults. \
                The isolation shown is the one really in force for this plugin: $DOCKET_PLUGIN_ISOLATION, \
                its plugin.yaml and, with --workflow, that workflow's 'plugins:' requirement considered.
                """)

        @OptionGroup var options: LookupOptions

        @Argument(help: ArgumentHelp("The plugin's name.", valueName: "NAME")) var name: String

        @Option(help: ArgumentHelp("A workflow file (or a case's workflow.yaml) whose 'plugins:' requirement applies.", valueName: "FILE"))
        var workflow: String?

        func run() throws {
            let found = options.stepTypes
            guard let manifest = found.plugins.first(where: { $0.name == name }) else {
                printErr("docket: no plugin '\(name)'; 'docket plugins' lists them")
                throw Reporting.exit(.notFound)
            }
            let step = PluginStep(manifest: manifest, isolation: found.isolation)
            var policy = PluginPolicy()
            if let workflow {
                var loader = WorkflowLoader(registry: found.registry, checksFiles: false)
                loader.acceptsUnknownSteps = true
                policy = try loader.load(path: workflow).plugins
            }
            if let refusal = step.refusal(workflow: policy) {
                print("isolation: none: the plugin will not run. \(refusal)")
            } else {
                let required = [policy.isolation == "bubblewrap" ? "the workflow" : nil, manifest.requires == .bubblewrap ? "its plugin.yaml" : nil]
                    .compactMap { $0 }
                print("isolation: \(step.isolation.summary(environment: step.environment))"
                      + (required.isEmpty ? "" : "; required by \(required.joined(separator: " and "))"))
            }
            let env = step.pluginEnvironment(scratch: "SCRATCH")
            print("environment: " + env.given.keys.sorted().map { ["PATH", "HOME", "TMPDIR", "LANG"].contains($0) ? "\($0)=\(TerminalText.escaped(env.given[$0]!))" : $0 }.joined(separator: " "))
            for (name, why) in env.withheld { print("withheld: \(TerminalText.escaped(name)) (\(why))") }
            switch try step.checkOnSample(policy: policy) {
            case .broken(let message):
                printErr("docket: \(message)")
                throw Reporting.exit(.stopped)
            case .answered(let outcome):
                let what: String
                switch outcome {
                case .completed(let outputs): what = "completed with outputs \(Value.map(outputs))"
                case .sendBack: what = "completed"
                case .waiting(let prompt): what = "waiting: \(prompt)"
                case .failed(let message): what = "failed: \(message)"
                }
                print("ok \(name): speaks protocol \(manifest.protocolVersion); on the sample it answered \(what)")
            }
        }
    }
}
