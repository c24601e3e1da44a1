import DocketCore
import Foundation

extension PluginStep {
    /// Runs the plugin once on its sample request (`sample:` in plugin.yaml, else the declared
    /// defaults), in a scratch folder of its own that is removed afterwards, under `policy`
    /// (a workflow's `plugins:` requirement): whether it speaks the protocol, and what it said.
    public func checkOnSample(policy: PluginPolicy = PluginPolicy()) throws -> Invocation {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("docket-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("documents"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("output"), withIntermediateDirectories: true)
        var with = manifest.sample
        for f in manifest.withSchema.fields where with[f.name] == nil { if let d = f.defaultValue { with[f.name] = d } }
        var context = StepContext(caseID: "sample", stepID: "check", attempt: 1, with: with, inputs: [:], outputs: [:], documents: [],
                                  records: [], outputFolder: scratch.appendingPathComponent("output"),
                                  documentsFolder: scratch.appendingPathComponent("documents"),
                                  snapshotFolder: scratch, rootFolder: scratch, now: Date())
        context.plugins = policy
        return try invoke(context)
    }
}
