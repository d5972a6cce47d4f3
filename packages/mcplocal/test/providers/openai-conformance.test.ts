import { describeProviderConformance } from './support/provider-conformance.js';

describeProviderConformance('openai');
