using Jint;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A worker script read from its file, its syntax told apart: ES module (<c>export default { fetch }</c>) or
/// service worker (<c>addEventListener('fetch', ...)</c>). A script is tried first; one that parses only as a
/// module is a module. A script that parses as neither fails with the place of its error.
/// </summary>
internal sealed class WorkerScript
{
    private WorkerScript(string path, string source, bool isModule, Prepared<Acornima.Ast.Script>? script)
    {
        FilePath = path;
        Source = source;
        IsModule = isModule;
        Script = script;
    }

    public string FilePath { get; }

    public string Source { get; }

    public bool IsModule { get; }

    /// <summary>The parsed service-worker script (null for a module: Jint parses modules as it links them).</summary>
    public Prepared<Acornima.Ast.Script>? Script { get; }

    /// <exception cref="JavaScriptWorkerLoadException">The file cannot be read or does not parse.</exception>
    public static WorkerScript Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        string source;
        try
        {
            source = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JavaScriptWorkerLoadException($"The worker script '{path}' cannot be read: {ex.Message}", ex);
        }

        ScriptPreparationException scriptError;
        try
        {
            return new WorkerScript(fullPath, source, isModule: false, Engine.PrepareScript(source, fullPath));
        }
        catch (ScriptPreparationException ex)
        {
            scriptError = ex;
        }

        try
        {
            Engine.PrepareModule(source, fullPath);
            return new WorkerScript(fullPath, source, isModule: true, script: null);
        }
        catch (ScriptPreparationException moduleError)
        {
            // Report the error of the syntax the file was meant to have: a module if it uses import or export.
            var meant = scriptError.InnerException is Acornima.SyntaxErrorException se && se.Description.Contains("sourceType: module", StringComparison.Ordinal)
                ? moduleError
                : scriptError;
            throw SyntaxError(fullPath, meant);
        }
    }

    private static JavaScriptWorkerLoadException SyntaxError(string path, ScriptPreparationException error)
        => error.InnerException is Acornima.SyntaxErrorException syntax
            ? new JavaScriptWorkerLoadException($"SyntaxError: {syntax.Description}", path, syntax.LineNumber, syntax.Column + 1, error)
            : new JavaScriptWorkerLoadException($"{path}: {error.Message}", error);
}
