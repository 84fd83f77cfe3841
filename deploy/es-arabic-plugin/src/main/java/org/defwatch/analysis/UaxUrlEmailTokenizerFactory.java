package org.defwatch.analysis;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenizerFactory;

/**
 * The {@code uax_url_email} tokenizer of Elasticsearch's analysis-common module, which the
 * minimal local distribution lacks. Elasticsearch's own {@code .security} index analyses
 * e-mail addresses with it: without it, API keys and native users cannot be stored.
 */
@NamedComponent("uax_url_email")
public class UaxUrlEmailTokenizerFactory implements TokenizerFactory {

    @Override
    public Tokenizer create() {
        return new UAX29URLEmailTokenizer();
    }
}
